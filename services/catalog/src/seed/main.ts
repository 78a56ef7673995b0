// `npm run seed -w @syllabus/catalog`: loads the curriculum (after the migrations), idempotently.
import { runOnDatabase } from '../script';
import { seedCurriculum } from './seed';

runOnDatabase('seed', async (db) => {
  const result = await seedCurriculum(db);
  return `catalog seed: ${result.created} courses added; ${result.tracks} tracks, ${result.courses} courses, ${result.lessons} lessons in all`;
});
