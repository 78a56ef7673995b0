import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createTestDatabase } from '@syllabus/testing';
import { createDatabase, ensureDatabase, migrateUp } from '../src/index';

describe('database helper on a real PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  before(async () => {
    database = await createTestDatabase('postgres_helper');
    pool = new Pool({ connectionString: database.url });
    await pool.query('CREATE TABLE things (id int PRIMARY KEY)');
  });
  after(async () => {
    await pool.end();
    await database.drop();
  });

  it('when a transaction throws, then none of its writes remain; when it resolves, then all do', async () => {
    const db = createDatabase(pool, new Registry(), 'test');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('insert_thing', 'INSERT INTO things (id) VALUES ($1)', [1]);
        await tx.query('insert_thing', 'INSERT INTO things (id) VALUES ($1)', [1]);
      }),
      /duplicate key/,
    );
    assert.deepEqual(await db.query('count_things', 'SELECT count(*)::int AS n FROM things'), [{ n: 0 }]);
    await db.transaction(async (tx) => {
      await tx.query('insert_thing', 'INSERT INTO things (id) VALUES ($1)', [2]);
      await tx.query('insert_thing', 'INSERT INTO things (id) VALUES ($1)', [3]);
    });
    assert.deepEqual(await db.query('count_things', 'SELECT count(*)::int AS n FROM things'), [{ n: 2 }]);
  });

  it('when queries run, then each is timed under its name', async () => {
    const registry = new Registry();
    const db = createDatabase(pool, registry, 'test');
    await db.query('count_things', 'SELECT count(*) FROM things');
    await db.query('count_things', 'SELECT count(*) FROM things');
    const text = await registry.metrics();
    assert.match(text, /test_db_query_duration_seconds_count\{query="count_things"\} 2/);
  });
});

describe('migrations on a real PostgreSQL', () => {
  it('when the database does not exist yet, then migrating creates it first; a second run changes nothing', async () => {
    const template = await createTestDatabase('postgres_ensure');
    await template.drop();
    const directory = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(
      join(directory, '1700000000000_things.sql'),
      '-- Up Migration\nCREATE TABLE things (id int);\n',
    );
    try {
      assert.deepEqual(await migrateUp(template.url, directory), ['1700000000000_things']);
      assert.equal(await ensureDatabase(template.url), false, 'it exists now');
      assert.deepEqual(await migrateUp(template.url, directory), []);
    } finally {
      await template.drop();
    }
  });
});
