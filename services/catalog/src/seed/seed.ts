import { createCourseRepository } from '../data-access/courses';
import { createOutbox } from '../data-access/outbox';
import type { Database } from '@syllabus/postgres';
import { announcePublished } from '../domain/course-service';
import { skills, tracks } from './curriculum';

const SEED_AUTHOR = 'seed';

const lessonBody = (course: string, lesson: string) =>
  `${lesson} — part of ${course}. Read the notes, try the exercise, and check yourself with the questions at the end.`;

/**
 * Loads the curriculum. Idempotent: tracks and skills are upserted; a course whose slug exists is
 * left as it is (an author may have changed it). New courses are published, so their events go
 * through the outbox like any other.
 */
export async function seedCurriculum(db: Database) {
  return db.transaction(async (tx) => {
    for (const [slug, name] of Object.entries(skills)) {
      await tx.query(
        'seed_skill',
        'INSERT INTO skills (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name',
        [slug, name],
      );
    }
    for (const [position, track] of tracks.entries()) {
      await tx.query(
        'seed_track',
        `INSERT INTO tracks (slug, title, description, position) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, position = EXCLUDED.position`,
        [track.slug, track.title, track.description, position],
      );
    }

    const courses = createCourseRepository(tx);
    const created: { id: string; prerequisites: string[] }[] = [];
    for (const track of tracks) {
      const trackId = (await courses.trackIdOf(track.slug))!;
      for (const course of track.courses) {
        if (await courses.slugExists(course.slug)) continue;
        const id = await courses.insert({ ...course, trackId, authorId: SEED_AUTHOR });
        for (const title of course.lessons) {
          await courses.insertLesson(id, {
            title,
            body: lessonBody(course.title, title),
            durationMinutes: 15,
          });
        }
        const skillIds = await courses.skillIdsOf(course.skills);
        await courses.replaceSkills(id, [...skillIds.values()]);
        await courses.update(id, { status: 'published' });
        created.push({ id, prerequisites: course.prerequisites });
      }
    }
    for (const { id, prerequisites } of created) {
      const ids = await courses.courseIdsOf(prerequisites);
      await courses.replacePrerequisites(id, [...ids.values()]);
    }
    await announcePublished(
      { courses, outbox: createOutbox(tx) },
      created.map((course) => course.id),
    );
    const [counts] = await tx.query<{ tracks: number; courses: number; lessons: number }>(
      'seed_counts',
      `SELECT (SELECT count(*)::int FROM tracks) AS tracks, (SELECT count(*)::int FROM courses) AS courses,
              (SELECT count(*)::int FROM lessons) AS lessons`,
    );
    return { created: created.length, ...counts! };
  });
}
