import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pool } from 'pg';
import { Registry } from '@syllabus/service-kit';
import { createTestDatabase } from '@syllabus/testing';
import { createDatabase } from '@syllabus/postgres';
import { migrateUp } from '../src/data-access/migrations';
import { seedCurriculum } from '../src/seed/seed';

/** Runs `work` on a database of its own (migrated if asked), dropped afterwards whatever happens. */
async function withDatabase(
  name: string,
  options: { migrated?: boolean; max?: number },
  work: (database: { url: string }, pool: Pool) => Promise<void>,
) {
  const database = await createTestDatabase(name);
  if (options.migrated) await migrateUp(database.url);
  const pool = new Pool({ connectionString: database.url, max: options.max });
  try {
    await work(database, pool);
  } finally {
    await pool.end();
    await database.drop();
  }
}

describe('migrations and seed', () => {
  it('when applied to an empty database, then the schema exists; when run again, then nothing changes', async () => {
    await withDatabase('catalog_migrations', {}, async (database, pool) => {
      assert.deepEqual(await migrateUp(database.url), ['1763700000000_curriculum']);
      const { rows } = await pool.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      assert.deepEqual(
        rows.map((r) => r.table_name),
        [
          'course_prerequisites',
          'course_skills',
          'courses',
          'lessons',
          'outbox',
          'pgmigrations',
          'skills',
          'tracks',
        ],
      );
      assert.deepEqual(await migrateUp(database.url), []);
    });
  });

  it('when the seed runs twice, then the curriculum is there once, each new course announced once', async () => {
    await withDatabase('catalog_seed', { migrated: true }, async (_database, pool) => {
      const db = createDatabase(pool, new Registry(), 'catalog');
      const first = await seedCurriculum(db);
      assert.ok(first.tracks >= 5, `${first.tracks} tracks`);
      assert.ok(first.courses >= 30, `${first.courses} courses`);
      assert.ok(first.lessons >= 150, `${first.lessons} lessons`);
      assert.equal(first.created, first.courses);
      const second = await seedCurriculum(db);
      assert.equal(second.created, 0);
      assert.equal(second.lessons, first.lessons);
      const { rows } = await pool.query<{ type: string; count: number }>(
        'SELECT type, count(*)::int AS count FROM outbox GROUP BY type',
      );
      assert.deepEqual(rows, [{ type: 'catalog.course-published.v1', count: first.courses }]);
      const { rows: levels } = await pool.query<{ level: string }>(
        'SELECT DISTINCT level::text FROM courses ORDER BY 1',
      );
      assert.deepEqual(
        levels.map((r) => r.level),
        ['entry', 'mid', 'senior'],
      );
    });
  });

  it('when the list queries are planned, then they can use the indexes made for them', async () => {
    await withDatabase('catalog_explain', { migrated: true, max: 1 }, async (database, pool) => {
      await seedCurriculum(createDatabase(pool, new Registry(), 'catalog'));
      await pool.query('ANALYZE');
      // The seed is small enough that a sequential scan is cheapest; forbid it to see what the
      // planner would use once the table is large.
      await pool.query('SET enable_seqscan = off');
      const plan = async (sql: string, values: unknown[]) =>
        (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      assert.match(
        await plan(
          "SELECT id FROM courses WHERE status = 'published' AND (title, id) > ($1, $2) ORDER BY title, id LIMIT 20",
          ['M', '00000000-0000-0000-0000-000000000000'],
        ),
        /courses_published_order/,
      );
      assert.match(
        await plan(
          "SELECT id FROM courses WHERE status = 'published' AND level = $1 ORDER BY title, id LIMIT 20",
          ['mid'],
        ),
        /courses_published_level/,
      );
      assert.match(
        await plan("SELECT id FROM courses WHERE search @@ websearch_to_tsquery('english', $1)", ['caching']),
        /courses_search/,
      );
      assert.match(
        await plan('SELECT id, position FROM lessons WHERE course_id = $1 ORDER BY position', [
          '00000000-0000-0000-0000-000000000000',
        ]),
        /lessons_unique_position/,
      );
    });
  });
});
