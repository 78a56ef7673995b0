import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayIn, streaks } from '../src/domain/streaks';

const at = (iso: string) => new Date(iso);

describe('daily streaks', () => {
  it('when the same instant is seen from two time zones, then it can fall on two different days', () => {
    assert.equal(dayIn(at('2026-03-01T23:30:00Z'), 'UTC'), '2026-03-01');
    assert.equal(dayIn(at('2026-03-01T23:30:00Z'), 'Asia/Tokyo'), '2026-03-02');
    assert.equal(dayIn(at('2026-03-01T23:30:00Z'), 'America/Los_Angeles'), '2026-03-01');
  });

  it('when lessons are done on consecutive days, then the streak counts days, not lessons', () => {
    const done = [
      '2026-03-01T10:00:00Z',
      '2026-03-01T18:00:00Z',
      '2026-03-02T09:00:00Z',
      '2026-03-03T09:00:00Z',
    ].map(at);
    assert.deepEqual(streaks(done, 'UTC', at('2026-03-03T20:00:00Z')), { current: 3, longest: 3 });
  });

  it('when yesterday had a lesson and today not yet, then the streak is still current; after a gap it is 0', () => {
    const done = ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z'].map(at);
    assert.equal(streaks(done, 'UTC', at('2026-03-03T08:00:00Z')).current, 2);
    assert.deepEqual(streaks(done, 'UTC', at('2026-03-05T08:00:00Z')), { current: 0, longest: 2 });
  });

  it("when late-evening lessons are counted in the learner's zone, then they join the right day", () => {
    // 23:30 UTC on the 1st and 00:30 UTC on the 3rd are the 2nd and the 3rd in Tokyo: two days in a row.
    const done = ['2026-03-01T23:30:00Z', '2026-03-02T23:30:00Z'].map(at);
    assert.equal(streaks(done, 'Asia/Tokyo', at('2026-03-03T01:00:00Z')).current, 2);
    assert.equal(streaks(done, 'UTC', at('2026-03-03T01:00:00Z')).current, 2);
    const gap = ['2026-03-01T23:30:00Z', '2026-03-03T00:30:00Z'].map(at);
    assert.equal(streaks(gap, 'Asia/Tokyo', at('2026-03-03T01:00:00Z')).current, 2);
    assert.equal(streaks(gap, 'UTC', at('2026-03-03T01:00:00Z')).current, 1);
  });
});
