// Writes the schema the gateway serves to schema.graphql (npm run graphql:sdl). The file is
// committed: a test fails while it differs from what is served and names any breaking change.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { createSchema } from './schema';

export const sdlPath = join(__dirname, '..', '..', '..', 'schema.graphql');

if (require.main === module) {
  writeFileSync(sdlPath, `${printSchema(createSchema())}\n`);
  process.stdout.write(`wrote ${sdlPath}\n`);
}
