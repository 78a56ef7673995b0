export { createDatabase, isUniqueViolation, type Database, type Queryable } from './database';
export { ensureDatabase, migrateUp } from './migrations';
export { openPostgres } from './open';
