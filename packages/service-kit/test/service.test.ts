import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, fields, serviceSchema } from '@syllabus/config';
import { testServiceEnv } from '@syllabus/testing';
import { defineService, startService } from '../src';

const configSchema = serviceSchema.extend({ PORT: fields.port(8099), OPERATOR_PORT: fields.port(9099) });

/** A service that records what happens to it, in order. */
function recordingService(options: { failIn?: 'workers' } = {}) {
  const steps: string[] = [];
  const definition = defineService({
    name: 'recorder',
    config: configSchema,
    dependencies: async ({ lifecycle }) => {
      steps.push('dependencies');
      lifecycle.onShutdown('client', () => steps.push('client closed'));
      return { opened: true };
    },
    useCases: (deps) => {
      steps.push('use cases');
      return { greet: () => ({ hello: 'world', opened: deps.opened }) };
    },
    http: ({ deps, useCases }) => {
      steps.push('http');
      return {
        healthChecks: [{ name: 'client', critical: true, check: async () => assert.ok(deps.opened) }],
        routes: (app) => app.get('/hello', (_req, res) => res.json(useCases.greet())),
        drain: () => steps.push('drained'),
      };
    },
    workers: () => [
      {
        name: 'consumer',
        start: () => {
          steps.push('consumer started');
          if (options.failIn === 'workers') throw new Error('the broker refused');
        },
      },
      {
        name: 'relay',
        start: () => void steps.push('relay started'),
        stop: () => void steps.push('relay stopped'),
      },
    ],
  });
  return { definition, steps };
}

describe('startService', () => {
  it('when started, then dependencies, use cases, app and workers come before listening, and stopping drains, stops workers, closes and frees the ports', async () => {
    const { definition, steps } = recordingService();
    const service = await startService(definition, { env: testServiceEnv });
    assert.deepEqual(steps, ['dependencies', 'use cases', 'http', 'consumer started', 'relay started']);
    const hello = await fetch(`${service.url}/hello`);
    assert.deepEqual(await hello.json(), { hello: 'world', opened: true });
    const ready = await fetch(`${service.operatorUrl}/health/ready`);
    assert.equal(ready.status, 200);
    // The operators' port serves health; the public one does not.
    assert.equal((await fetch(`${service.url}/health/ready`)).status, 404);

    await service.stop();
    assert.deepEqual(steps.slice(5), ['drained', 'relay stopped', 'client closed']);
    await assert.rejects(fetch(`${service.url}/hello`));
  });

  it('when the environment does not fit the schema, then ConfigError naming every key, and nothing is opened', async () => {
    const { definition, steps } = recordingService();
    await assert.rejects(
      startService(definition, { env: { ...testServiceEnv, PORT: 'eighty', LOG_LEVEL: 'loud' } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((problem) => problem.startsWith('PORT')) &&
        error.problems.some((problem) => problem.startsWith('LOG_LEVEL')),
    );
    assert.deepEqual(steps, []);
  });

  it('when a later step fails, then what was opened is closed again and the error is thrown', async () => {
    const { definition, steps } = recordingService({ failIn: 'workers' });
    await assert.rejects(startService(definition, { env: testServiceEnv }), /the broker refused/);
    assert.deepEqual(steps, ['dependencies', 'use cases', 'http', 'consumer started', 'client closed']);
  });

  it('when workers are not wanted (an API-only instance), then they are not started', async () => {
    const { definition, steps } = recordingService();
    const service = await startService(definition, { env: testServiceEnv, workers: false });
    assert.deepEqual(steps, ['dependencies', 'use cases', 'http']);
    await service.stop();
  });
});
