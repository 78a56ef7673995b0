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

  it('when a transaction asks for several queries at once, then they take turns on its one connection', async () => {
    // pg queues a second query on a busy client with a deprecation warning, and pg 9 refuses it.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const db = createDatabase(pool, new Registry(), 'test');
      const rows = await db.transaction((tx) =>
        Promise.all(
          [1, 2, 3].map((n) => tx.query<{ n: number }>('number', 'SELECT $1::int AS n, pg_sleep(0.01)', [n])),
        ),
      );
      assert.deepEqual(
        rows.map(([row]) => row?.n),
        [1, 2, 3],
      );
      await new Promise(setImmediate); // a warning is emitted on a later tick than its cause
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.filter((message) => /already executing a query/.test(message)),
      [],
    );
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
