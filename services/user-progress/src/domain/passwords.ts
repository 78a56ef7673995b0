import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { bulkhead, isBulkheadRejectedError } from 'cockatiel';
import { DomainError } from '@syllabus/contracts';

// scrypt is memory-hard and built into Node: N = 2^15 with r = 8 uses 32 MiB per hash.
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...options, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );

/**
 * Hashing and checking passwords, at most `concurrency` at once with at most `queue` waiting:
 * scrypt runs on libuv's small thread pool (4 threads by default), which file and DNS work share,
 * so a flood of sign-ins must not take all of it. Beyond the queue: 503 with Retry-After at once
 * (a bulkhead, cockatiel's), which the gateway's breaker does not count as a fault.
 */
export function createPasswords(options: { concurrency: number; queue: number }) {
  const limit = bulkhead(options.concurrency, options.queue);
  const bounded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await limit.execute(work);
    } catch (error) {
      if (isBulkheadRejectedError(error))
        throw new DomainError('overloaded', 'too many sign-ins at once; try again shortly', {}, 1);
      throw error;
    }
  };

  /** `scrypt$N$r$p$salt$hash`, so the parameters can be raised later without breaking old hashes. */
  const hash = (password: string) =>
    bounded(async () => {
      const salt = randomBytes(16);
      const key = await derive(password, salt, PARAMS);
      return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join(
        '$',
      );
    });

  const verify = (password: string, stored: string) =>
    bounded(async () => {
      const [scheme, N, r, p, salt, hashed] = stored.split('$');
      if (scheme !== 'scrypt' || !salt || !hashed) return false;
      const expected = Buffer.from(hashed, 'base64');
      const actual = await derive(password, Buffer.from(salt, 'base64'), {
        N: Number(N),
        r: Number(r),
        p: Number(p),
      });
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });

  // Checked against when the account does not exist, so that both answers take as long.
  let unknownAccount: Promise<string> | undefined;
  return {
    hash,
    verify,
    unknownAccountHash: () => (unknownAccount ??= hash(randomBytes(16).toString('hex'))),
  };
}

export type Passwords = ReturnType<typeof createPasswords>;
