export { createDatabase, type Database, type Queryable } from './database';
export { ensureDatabase, migrateUp } from './migrations';
