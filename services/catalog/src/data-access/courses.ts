import { DomainError } from '@syllabus/contracts';
import { isUniqueViolation, type Queryable } from '@syllabus/postgres';
import type { Course, CourseFilter, CourseRef, CourseSummary, Lesson, Level } from '../domain/model';
import type { CourseRepository, Track } from '../domain/ports';

interface CourseRow {
  id: string;
  slug: string;
  title: string;
  summary: string;
  level: Level;
  status: Course['status'];
  version: number;
  author_id: string;
  track_slug: string;
  track_title: string;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
}

const toCourse = (row: CourseRow): Course => ({
  id: row.id,
  slug: row.slug,
  title: row.title,
  summary: row.summary,
  level: row.level,
  status: row.status,
  version: row.version,
  authorId: row.author_id,
  track: { slug: row.track_slug, title: row.track_title },
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  publishedAt: row.published_at?.toISOString() ?? null,
});

const courseColumns = `c.id, c.slug, c.title, c.summary, c.level, c.status, c.version, c.author_id,
  t.slug AS track_slug, t.title AS track_title, c.created_at, c.updated_at, c.published_at`;

export function createCourseRepository(db: Queryable): CourseRepository {
  const idsBySlug = async (table: 'skills' | 'courses', slugs: string[]) => {
    const rows = await db.query<{ id: string; slug: string }>(
      `${table}_ids`,
      `SELECT id, slug FROM ${table} WHERE slug = ANY($1::text[])`,
      [slugs],
    );
    return new Map(rows.map((row) => [row.slug, row.id]));
  };
  return {
    async listTracks() {
      return db.query<Track>(
        'list_tracks',
        `SELECT t.slug, t.title, t.description,
                (SELECT count(*)::int FROM courses c WHERE c.track_id = t.id AND c.status = 'published') AS "courseCount"
           FROM tracks t ORDER BY t.position, t.slug`,
      );
    },

    async listSkills() {
      return db.query<{ slug: string; name: string }>(
        'list_skills',
        'SELECT slug, name FROM skills ORDER BY slug',
      );
    },

    /** Published courses in (title, id) order, one page after the keyset `after`. */
    async listPublished(filter: CourseFilter): Promise<CourseSummary[]> {
      const where = ["c.status = 'published'"];
      const values: unknown[] = [];
      const param = (value: unknown) => `$${values.push(value)}`;
      if (filter.track) where.push(`t.slug = ${param(filter.track)}`);
      if (filter.level) where.push(`c.level = ${param(filter.level)}`);
      if (filter.skill) {
        where.push(`EXISTS (SELECT 1 FROM course_skills cs JOIN skills s ON s.id = cs.skill_id
                     WHERE cs.course_id = c.id AND s.slug = ${param(filter.skill)})`);
      }
      if (filter.q) where.push(`c.search @@ websearch_to_tsquery('english', ${param(filter.q)})`);
      if (filter.after)
        where.push(`(c.title, c.id) > (${param(filter.after.title)}, ${param(filter.after.id)})`);
      return db.query<CourseSummary>(
        'list_published_courses',
        `SELECT c.id, c.slug, c.title, c.summary, c.level, t.slug AS track, c.version,
                COALESCE((SELECT array_agg(s.slug ORDER BY s.slug) FROM course_skills cs JOIN skills s ON s.id = cs.skill_id
                           WHERE cs.course_id = c.id), '{}') AS skills,
                (SELECT count(*)::int FROM lessons l WHERE l.course_id = c.id) AS "lessonCount",
                (SELECT COALESCE(sum(l.duration_minutes), 0)::int FROM lessons l WHERE l.course_id = c.id) AS "durationMinutes"
           FROM courses c JOIN tracks t ON t.id = c.track_id
          WHERE ${where.join(' AND ')}
          ORDER BY c.title, c.id
          LIMIT ${param(filter.limit)}`,
        values,
      );
    },

    async findBySlug(slug: string): Promise<Course | undefined> {
      const [row] = await db.query<CourseRow>(
        'find_course_by_slug',
        `SELECT ${courseColumns} FROM courses c JOIN tracks t ON t.id = c.track_id WHERE c.slug = $1`,
        [slug],
      );
      return row && toCourse(row);
    },

    async publishedIds(): Promise<string[]> {
      const rows = await db.query<{ id: string }>(
        'published_course_ids',
        "SELECT id FROM courses WHERE status = 'published' ORDER BY title",
      );
      return rows.map((row) => row.id);
    },

    /** Reads the course and locks it for the rest of the transaction. */
    async findByIdForUpdate(id: string): Promise<Course | undefined> {
      const [row] = await db.query<CourseRow>(
        'find_course_for_update',
        `SELECT ${courseColumns} FROM courses c JOIN tracks t ON t.id = c.track_id WHERE c.id = $1 FOR UPDATE OF c`,
        [id],
      );
      return row && toCourse(row);
    },

    async lessonsOf(courseId: string): Promise<Lesson[]> {
      return db.query<Lesson>(
        'course_lessons',
        `SELECT id, position, title, body, duration_minutes AS "durationMinutes"
           FROM lessons WHERE course_id = $1 ORDER BY position`,
        [courseId],
      );
    },

    async skillsOf(courseId: string) {
      return db.query<{ slug: string; name: string }>(
        'course_skills',
        `SELECT s.slug, s.name FROM course_skills cs JOIN skills s ON s.id = cs.skill_id
          WHERE cs.course_id = $1 ORDER BY s.slug`,
        [courseId],
      );
    },

    async prerequisitesOf(courseId: string, publishedOnly = false): Promise<CourseRef[]> {
      return db.query<CourseRef>(
        'course_prerequisites',
        `SELECT c.id, c.slug, c.title, c.level FROM course_prerequisites p JOIN courses c ON c.id = p.prerequisite_id
          WHERE p.course_id = $1 AND (NOT $2 OR c.status = 'published') ORDER BY c.title, c.id`,
        [courseId, publishedOnly],
      );
    },

    async prerequisiteClosure(
      courseId: string,
      publishedOnly = false,
    ): Promise<(CourseRef & { depth: number })[]> {
      return db.query<CourseRef & { depth: number }>(
        'course_prerequisite_closure',
        `WITH RECURSIVE closure (id, depth) AS (
           SELECT prerequisite_id, 1 FROM course_prerequisites WHERE course_id = $1
           UNION
           SELECT p.prerequisite_id, closure.depth + 1
             FROM course_prerequisites p JOIN closure ON p.course_id = closure.id
         )
         SELECT c.id, c.slug, c.title, c.level, min(closure.depth)::int AS depth
           FROM closure JOIN courses c ON c.id = closure.id
          WHERE NOT $2 OR c.status = 'published'
          GROUP BY c.id ORDER BY depth, c.title, c.id`,
        [courseId, publishedOnly],
      );
    },

    async wouldCreateCycle(courseId: string, prerequisiteIds: string[]): Promise<boolean> {
      const [row] = await db.query<{ cycle: boolean }>(
        'prerequisite_cycle_check',
        `WITH RECURSIVE reachable (id) AS (
           SELECT unnest($2::uuid[])
           UNION
           SELECT p.prerequisite_id FROM course_prerequisites p JOIN reachable r ON p.course_id = r.id
         )
         SELECT EXISTS (SELECT 1 FROM reachable WHERE id = $1) AS cycle`,
        [courseId, prerequisiteIds],
      );
      return row?.cycle ?? false;
    },

    async trackIdOf(slug: string): Promise<string | undefined> {
      const [row] = await db.query<{ id: string }>('track_id', 'SELECT id FROM tracks WHERE slug = $1', [
        slug,
      ]);
      return row?.id;
    },

    skillIdsOf: (slugs: string[]) => idsBySlug('skills', slugs),

    courseIdsOf: (slugs: string[]) => idsBySlug('courses', slugs),

    async slugExists(slug: string): Promise<boolean> {
      const rows = await db.query('course_slug_exists', 'SELECT 1 FROM courses WHERE slug = $1', [slug]);
      return rows.length > 0;
    },

    async insert(course) {
      const [row] = await db
        .query<{ id: string }>(
          'insert_course',
          `INSERT INTO courses (slug, title, summary, level, track_id, author_id)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [course.slug, course.title, course.summary, course.level, course.trackId, course.authorId],
        )
        .catch((error: unknown) => {
          // Two authors racing for one slug: the unique index decides, and the loser hears why.
          if (isUniqueViolation(error))
            throw new DomainError('slug-taken', `the slug ${course.slug} is taken`);
          throw error;
        });
      return row!.id;
    },

    async update(id, changes) {
      const columns: Record<string, unknown> = {
        title: changes.title,
        summary: changes.summary,
        level: changes.level,
        track_id: changes.trackId,
        status: changes.status,
      };
      const values: unknown[] = [id];
      const sets = Object.entries(columns)
        .filter(([, value]) => value !== undefined)
        .map(([column, value]) => `${column} = $${values.push(value)}`);
      if (changes.status === 'published') sets.push('published_at = COALESCE(published_at, now())');
      if (sets.length === 0) return;
      await db.query('update_course', `UPDATE courses SET ${sets.join(', ')} WHERE id = $1`, values);
    },

    async bumpVersion(id: string) {
      await db.query(
        'bump_course_version',
        'UPDATE courses SET version = version + 1, updated_at = now() WHERE id = $1',
        [id],
      );
    },

    async insertLesson(courseId, lesson) {
      const [{ count } = { count: 0 }] = await db.query<{ count: number }>(
        'lesson_count',
        'SELECT count(*)::int AS count FROM lessons WHERE course_id = $1',
        [courseId],
      );
      const position = Math.min(lesson.position ?? count + 1, count + 1);
      await db.query('defer_lesson_positions', 'SET CONSTRAINTS lessons_unique_position DEFERRED');
      await db.query(
        'shift_lessons',
        'UPDATE lessons SET position = position + 1 WHERE course_id = $1 AND position >= $2',
        [courseId, position],
      );
      const [row] = await db.query<{ id: string }>(
        'insert_lesson',
        `INSERT INTO lessons (course_id, position, title, body, duration_minutes)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [courseId, position, lesson.title, lesson.body, lesson.durationMinutes],
      );
      return row!.id;
    },

    async reorderLessons(courseId: string, lessonIds: string[]) {
      await db.query('defer_lesson_positions', 'SET CONSTRAINTS lessons_unique_position DEFERRED');
      await db.query(
        'reorder_lessons',
        `UPDATE lessons l SET position = o.position
           FROM unnest($2::uuid[]) WITH ORDINALITY AS o (id, position)
          WHERE l.id = o.id AND l.course_id = $1`,
        [courseId, lessonIds],
      );
    },

    async deleteLesson(courseId: string, lessonId: string): Promise<boolean> {
      const deleted = await db.query<{ position: number }>(
        'delete_lesson',
        'DELETE FROM lessons WHERE course_id = $1 AND id = $2 RETURNING position',
        [courseId, lessonId],
      );
      if (deleted.length === 0) return false;
      await db.query(
        'close_lesson_gap',
        'UPDATE lessons SET position = position - 1 WHERE course_id = $1 AND position > $2',
        [courseId, deleted[0]!.position],
      );
      return true;
    },

    async replaceSkills(courseId: string, skillIds: string[]) {
      await db.query('clear_course_skills', 'DELETE FROM course_skills WHERE course_id = $1', [courseId]);
      await db.query(
        'insert_course_skills',
        'INSERT INTO course_skills (course_id, skill_id) SELECT $1, unnest($2::uuid[])',
        [courseId, skillIds],
      );
    },

    async replacePrerequisites(courseId: string, prerequisiteIds: string[]) {
      await db.query('clear_prerequisites', 'DELETE FROM course_prerequisites WHERE course_id = $1', [
        courseId,
      ]);
      await db.query(
        'insert_prerequisites',
        'INSERT INTO course_prerequisites (course_id, prerequisite_id) SELECT $1, unnest($2::uuid[])',
        [courseId, prerequisiteIds],
      );
    },

    async lockPrerequisiteGraph() {
      await db.query(
        'lock_prerequisite_graph',
        "SELECT pg_advisory_xact_lock(hashtext('course_prerequisites'))",
      );
    },
  };
}
