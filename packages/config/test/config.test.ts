import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, fields, loadConfig, serviceSchema, z } from '../src/index';

const schema = serviceSchema.extend({
  PORT: fields.port(3000),
  POSTGRES_URL: fields.postgresUrl(),
  REDIS_URL: fields.redisUrl(),
  CACHE_ENABLED: fields.flag(true),
  ALLOWED_ORIGINS: fields.list(),
});

describe('loadConfig', () => {
  it('when every key is valid, then it returns typed values with defaults applied', () => {
    const config = loadConfig(schema, {
      PORT: '8080',
      POSTGRES_URL: 'postgres://u:p@127.0.0.1:5432/db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CACHE_ENABLED: 'false',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    assert.equal(config.PORT, 8080);
    assert.equal(config.HOST, '127.0.0.1');
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.CACHE_ENABLED, false);
    assert.deepEqual(config.ALLOWED_ORIGINS, ['https://a.example', 'https://b.example']);
  });

  it('when several keys are bad or missing, then every one is reported at once', () => {
    assert.throws(
      () => loadConfig(schema, { PORT: 'eighty', REDIS_URL: 'postgres://wrong', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = error.problems.map((p) => p.split(':')[0]);
        assert.deepEqual(new Set(keys), new Set(['PORT', 'POSTGRES_URL', 'REDIS_URL', 'LOG_LEVEL']));
        assert.match(error.message, /REDIS_URL: must use redis or rediss/);
        return true;
      },
    );
  });

  it('when KEY_FILE names a file, then KEY is read from it; an unreadable file is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'redis-url'), 'redis://10.0.0.5:6379\n');
    const config = loadConfig(z.object({ REDIS_URL: fields.redisUrl() }), {
      REDIS_URL_FILE: join(dir, 'redis-url'),
    });
    assert.equal(config.REDIS_URL, 'redis://10.0.0.5:6379');
    assert.throws(
      () => loadConfig(z.object({ REDIS_URL: fields.redisUrl() }), { REDIS_URL_FILE: join(dir, 'missing') }),
      /REDIS_URL_FILE: cannot read .*missing \(ENOENT\)/,
    );
  });

  it('when a URL is not a URL at all, then the problem names the expected protocols', () => {
    assert.throws(
      () => loadConfig(z.object({ AMQP: fields.amqpUrl() }), { AMQP: 'not a url' }),
      /AMQP: must be a URL \(amqp, amqps\)/,
    );
  });
});
