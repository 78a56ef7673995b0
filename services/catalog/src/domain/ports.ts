// What the catalog's use cases need from storage, in the domain's words. `data-access/`
// implements these with PostgreSQL; a test could implement them in memory.

import type { DomainEvent } from '@syllabus/contracts';
import type { Course, CourseFilter, CourseRef, CourseSummary, Lesson, Level } from './model';

export interface Track {
  slug: string;
  title: string;
  description: string;
  courseCount: number;
}

export interface CourseRepository {
  listTracks(): Promise<Track[]>;
  listSkills(): Promise<{ slug: string; name: string }[]>;
  /** Published courses in (title, id) order, one page after the keyset `filter.after`. */
  listPublished(filter: CourseFilter): Promise<CourseSummary[]>;
  findBySlug(slug: string): Promise<Course | undefined>;
  /** Every published course's id, by title. */
  publishedIds(): Promise<string[]>;
  /** Reads the course and locks it for the rest of the unit of work. */
  findByIdForUpdate(id: string): Promise<Course | undefined>;
  lessonsOf(courseId: string): Promise<Lesson[]>;
  skillsOf(courseId: string): Promise<{ slug: string; name: string }[]>;
  prerequisitesOf(courseId: string, publishedOnly?: boolean): Promise<CourseRef[]>;
  /** Every course required before this one, directly or not, nearest first. */
  prerequisiteClosure(courseId: string, publishedOnly?: boolean): Promise<(CourseRef & { depth: number })[]>;
  /** Whether making `prerequisiteIds` prerequisites of `courseId` would close a cycle. */
  wouldCreateCycle(courseId: string, prerequisiteIds: string[]): Promise<boolean>;
  trackIdOf(slug: string): Promise<string | undefined>;
  /** The ids of the skills named, by slug (the unknown ones are missing). */
  skillIdsOf(slugs: string[]): Promise<Map<string, string>>;
  /** The ids of the courses named, by slug (the unknown ones are missing). */
  courseIdsOf(slugs: string[]): Promise<Map<string, string>>;
  slugExists(slug: string): Promise<boolean>;
  /** Inserts a draft and returns its id; a slug taken meanwhile raises `slug-taken`. */
  insert(course: {
    slug: string;
    title: string;
    summary: string;
    level: Level;
    trackId: string;
    authorId: string;
  }): Promise<string>;
  /** Applies field changes; the version is bumped separately, once per change of the course. */
  update(
    id: string,
    changes: Partial<{
      title: string;
      summary: string;
      level: Level;
      trackId: string;
      status: Course['status'];
    }>,
  ): Promise<void>;
  bumpVersion(id: string): Promise<void>;
  insertLesson(
    courseId: string,
    lesson: { title: string; body: string; durationMinutes: number; position?: number },
  ): Promise<string>;
  /** Sets lesson positions to the order of `lessonIds` (a permutation of the course's lessons). */
  reorderLessons(courseId: string, lessonIds: string[]): Promise<void>;
  /** False when the course has no such lesson. */
  deleteLesson(courseId: string, lessonId: string): Promise<boolean>;
  replaceSkills(courseId: string, skillIds: string[]): Promise<void>;
  replacePrerequisites(courseId: string, prerequisiteIds: string[]): Promise<void>;
  /** Serialises changes to the prerequisite graph, so two concurrent edits cannot close a cycle. */
  lockPrerequisiteGraph(): Promise<void>;
}

/** Where an event waits, written with the change it describes, until the relay sends it. */
export interface Outbox {
  record(event: DomainEvent): Promise<void>;
}

/** What one unit of work changes: all of it, or none of it. */
export interface CatalogUnitOfWork {
  courses: CourseRepository;
  outbox: Outbox;
}

export interface CatalogData {
  /** Reads outside any unit of work. */
  courses: CourseRepository;
  transaction<T>(work: (unit: CatalogUnitOfWork) => Promise<T>): Promise<T>;
}
