// The catalog's vocabulary. Repositories return these plain objects.

import type { courseStatuses, levels } from '@syllabus/contracts';

export type Level = (typeof levels)[number];
type CourseStatus = (typeof courseStatuses)[number];

export interface Course {
  id: string;
  slug: string;
  title: string;
  summary: string;
  level: Level;
  status: CourseStatus;
  version: number;
  authorId: string;
  track: { slug: string; title: string };
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

export interface Lesson {
  id: string;
  position: number;
  title: string;
  body: string;
  durationMinutes: number;
}

export interface CourseRef {
  id: string;
  slug: string;
  title: string;
  level: Level;
}

export interface CourseDetail extends Course {
  lessons: Lesson[];
  skills: { slug: string; name: string }[];
  prerequisites: CourseRef[];
}

export interface CourseSummary {
  id: string;
  slug: string;
  title: string;
  summary: string;
  level: Level;
  track: string;
  skills: string[];
  lessonCount: number;
  durationMinutes: number;
  version: number;
}

export interface CourseFilter {
  track?: string;
  level?: Level;
  skill?: string;
  q?: string;
  limit: number;
  after?: { title: string; id: string };
}
