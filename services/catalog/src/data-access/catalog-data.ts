import type { Database } from '@syllabus/postgres';
import type { CatalogData } from '../domain/ports';
import { createCourseRepository } from './courses';
import { createOutbox } from './outbox';

/** The catalog's storage: reads on the pool, and units of work as PostgreSQL transactions. */
export const createCatalogData = (db: Database): CatalogData => ({
  courses: createCourseRepository(db),
  transaction: (work) =>
    db.transaction((tx) => work({ courses: createCourseRepository(tx), outbox: createOutbox(tx) })),
});
