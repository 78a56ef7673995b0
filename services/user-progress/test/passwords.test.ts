import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, problemTypes } from '@syllabus/contracts';
import { createPasswords } from '../src/domain/passwords';

describe('password hashing under a flood', () => {
  it('when more checks arrive than may run or wait, then the rest are refused at once with 503 and Retry-After', async () => {
    const passwords = createPasswords({ concurrency: 1, queue: 2 });
    const stored = await passwords.hash('correct horse battery');
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        passwords.verify(i === 0 ? 'correct horse battery' : 'wrong', stored),
      ),
    );
    const answered = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    assert.deepEqual(answered, [true, false, false], 'one running and two waiting were checked');
    assert.equal(refused.length, 7);
    for (const reason of refused) {
      assert.ok(reason instanceof DomainError);
      assert.equal(reason.problem, 'overloaded');
      assert.equal(problemTypes[reason.problem].status, 503);
      assert.ok((reason.retryAfterSeconds ?? 0) >= 1);
    }
    assert.ok(Date.now() - started < 5_000);
  });
});
