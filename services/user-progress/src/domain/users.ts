import { DomainError, type User } from '@syllabus/contracts';
import type { Role } from '@syllabus/auth';
import type { Account, AccountRepository, LearnerStore } from './ports';
import { pendingEvent } from './events';
import { initialState } from './learner-state';
import { createPasswords, type Passwords } from './passwords';

export type { User };

const normaliseEmail = (email: string) => email.trim().toLowerCase();

const toUser = (doc: Account): User => ({
  id: doc.id,
  email: doc.email,
  displayName: doc.displayName,
  roles: doc.roles,
  timeZone: doc.timeZone,
  createdAt: doc.createdAt.toISOString(),
});

/** An email claimed by a sign-up that died before it made the account is released after this. */
const ORPHAN_CLAIM_MS = 60_000;

/**
 * Accounts, found by id or by email with one `_id` read each: the email is the `_id` of its
 * claim, which is inserted first and so makes two sign-ups with one address race-free.
 */
export function createUserService(deps: {
  accounts: AccountRepository;
  store: LearnerStore;
  passwords?: Passwords;
}) {
  const { accounts } = deps;
  const passwords = deps.passwords ?? createPasswords({ concurrency: 2, queue: 32 });
  const accountByEmail = (email: string) => accounts.byEmail(normaliseEmail(email));

  /** Claims the address; a claim whose sign-up died before making the account is taken over. */
  async function claim(email: string, userId: string) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await accounts.claimEmail(email, userId)) return;
      const existing = await accounts.claimOf(email);
      const orphaned =
        existing &&
        Date.now() - existing.at.getTime() > ORPHAN_CLAIM_MS &&
        !(await accounts.exists(existing.userId));
      if (!orphaned) throw new DomainError('email-taken', 'an account with this email exists');
      await accounts.releaseClaim(email, existing.userId);
    }
    throw new DomainError('email-taken', 'an account with this email exists');
  }

  return {
    async register(input: {
      email: string;
      password: string;
      displayName: string;
      timeZone: string;
    }): Promise<User> {
      const email = normaliseEmail(input.email);
      const userId = accounts.newId();
      const createdAt = new Date();
      const passwordHash = await passwords.hash(input.password);
      await claim(email, userId);
      // The learner's first version announces them, so that notification knows where to write
      // to without asking us; the account follows it (a sign-up that dies in between leaves an
      // address claim that is released after a minute, and no account).
      await deps.store.create(userId, initialState(input), [
        pendingEvent(
          'identity.user-registered.v1',
          {
            userId,
            email,
            displayName: input.displayName,
            timeZone: input.timeZone,
            registeredAt: createdAt.toISOString(),
          },
          userId,
        ),
      ]);
      const account = await accounts.create({
        id: userId,
        email,
        passwordHash,
        displayName: input.displayName,
        timeZone: input.timeZone,
        // Everyone signs up as a learner; author and admin come only from the bootstrap command.
        roles: ['learner'],
        createdAt,
      });
      return toUser(account);
    },

    /** The user whose credentials these are; one answer for a wrong password and an unknown email. */
    async verifyCredentials(input: { email: string; password: string }): Promise<User> {
      const doc = await accountByEmail(input.email);
      const valid = await passwords.verify(
        input.password,
        doc?.passwordHash ?? (await passwords.unknownAccountHash()),
      );
      if (!doc || !valid) throw new DomainError('wrong-credentials', 'the email or password is wrong');
      return toUser(doc);
    },

    /** Adds roles to an existing account (the bootstrap command); undefined when there is none. */
    async grantRoles(email: string, granted: readonly Role[]): Promise<User | undefined> {
      const doc = await accountByEmail(email);
      if (!doc) return undefined;
      const updated = await accounts.addRoles(doc.id, granted);
      return updated ? toUser(updated) : undefined;
    },

    /** Sets an existing account's password, found by email or id; false when there is none. */
    async setPassword(account: { email: string } | { id: string }, password: string): Promise<boolean> {
      const id = 'email' in account ? (await accountByEmail(account.email))?.id : account.id;
      if (!id) return false;
      return accounts.setPasswordHash(id, await passwords.hash(password));
    },

    async findById(id: string): Promise<User | undefined> {
      const doc = await accounts.byId(id);
      return doc ? toUser(doc) : undefined;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
