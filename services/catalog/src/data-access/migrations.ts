import { join } from 'node:path';
import { migrateUp as migrate } from '@syllabus/postgres';

const migrationsDirectory = join(__dirname, '..', '..', '..', 'migrations');

export const migrateUp = (databaseUrl: string, log?: (message: string) => void) =>
  migrate(databaseUrl, migrationsDirectory, log);
