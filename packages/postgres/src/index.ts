export { createDatabase, type Database, type Queryable } from './database';
export { migrateUp } from './migrations';
