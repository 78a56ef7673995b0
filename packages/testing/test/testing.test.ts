import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { createTestDatabase, startRedisServer, waitFor } from '../src/index';

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

  it('when the condition never holds, then waitFor fails naming it', async () => {
    await assert.rejects(
      waitFor(() => false, { timeoutMs: 100, what: 'the moon' }),
      /the moon/,
    );
  });
});
