import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { createTestDatabase, startRedisServer, testEnv, waitFor } from '../src/index';
import { outageProxyFor } from '../src/outage';

describe('test helpers', () => {
  it('when a test database is created, then it is empty and reachable, and dropping removes it', async () => {
    const db = await createTestDatabase('helpers');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ count: string }>(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    );
    await client.end();
    assert.equal(rows[0]?.count, '0');
    await db.drop();
    const again = new Client({ connectionString: db.url });
    await assert.rejects(again.connect(), /does not exist/);
  });

  it('when a private Redis is started and stopped, then its port opens and closes', async () => {
    const redis = await startRedisServer();
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    await redis.stop();
  });

  it('when an outage begins, then its connections drop and new ones are reset, on a port it keeps; when it ends, then the server answers again', async () => {
    const outage = await outageProxyFor(testEnv.POSTGRES_URL);
    const query = async () => {
      const client = new Client({ connectionString: outage.url, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    try {
      const before = await query();
      assert.equal((await before.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
      await outage.begin();
      await assert.rejects(before.query('SELECT 1'));
      await assert.rejects(query(), /ECONNRESET|Connection terminated/);
      await outage.end();
      const after = await query();
      assert.equal((await after.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
      await after.end();
    } finally {
      await outage.close();
    }
  });

  it('when the condition never holds, then waitFor fails naming it', async () => {
    await assert.rejects(
      waitFor(() => false, { timeoutMs: 100, what: 'the moon' }),
      /the moon/,
    );
  });
});
