import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventValidationError, createEvent, eventTypes, parseEvent } from '../src/index';

// Recorded examples of every published v1 event: what consumers already rely on. A schema
// change that rejects one of them would break a consumer, so it must be a new version instead.
const fixtures = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'events.v1.json'), 'utf8'),
) as unknown[];

describe('event contracts', () => {
  it('when a recorded v1 event is parsed, then it is still valid', () => {
    for (const fixture of fixtures) assert.doesNotThrow(() => parseEvent(fixture));
  });

  it('when an event type exists, then a recorded example of it exists too', () => {
    const recorded = new Set(fixtures.map((f) => (f as { type: string }).type));
    assert.deepEqual([...recorded].sort(), [...eventTypes].sort());
  });

  it('when created, then an event has a uuid id, an ISO time and validated data', () => {
    const event = createEvent(
      'progress.streak-milestone.v1',
      { userId: 'u1', days: 7, reachedAt: new Date().toISOString() },
      { source: 'user-progress', subject: 'user/u1' },
    );
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    assert.deepEqual(parseEvent(JSON.parse(JSON.stringify(event))), event);
  });

  it('when the data breaks its schema, then parsing names the field', () => {
    const published = fixtures.find(
      (f) => (f as { type: string }).type === 'catalog.course-published.v1',
    ) as object;
    const broken = { ...published, data: { slug: 'x' } };
    assert.throws(
      () => parseEvent(broken),
      (error: unknown) => error instanceof EventValidationError && /data\.courseId/.test(error.message),
    );
  });

  it('when the type is unknown or a field is unexpected, then the event is refused', () => {
    assert.throws(() => parseEvent({ ...(fixtures[0] as object), type: 'catalog.course-deleted.v1' }));
    assert.throws(() => parseEvent({ ...(fixtures[0] as object), extra: true }), /extra/);
  });
});
