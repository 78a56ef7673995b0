import { Types } from 'mongoose';
import { DomainError } from '@syllabus/contracts';
import type { Role } from '@syllabus/auth';
import type { LearnerStore } from '../data-access/learner-store';
import { isDuplicateKey, type AccountDocument, type Models } from '../data-access/models';
import { pendingEvent } from './events';
import { initialState } from './learner-state';
import { createPasswords, type Passwords } from './passwords';

export interface User {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  timeZone: string;
  createdAt: string;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export const toUser = (doc: AccountDocument): User => ({
  id: doc._id,
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
export function createUserService(deps: { models: Models; store: LearnerStore; passwords?: Passwords }) {
  const { accounts, emails } = deps.models;
  const passwords = deps.passwords ?? createPasswords({ concurrency: 2, queue: 32 });

  const accountByEmail = async (email: string) => {
    const claim = await emails.findById(normaliseEmail(email)).lean<{ userId: string; at: Date }>();
    return claim ? accounts.findById(claim.userId).lean<AccountDocument>() : null;
  };

  /** Claims the address; a claim whose sign-up died before making the account is taken over. */
  async function claim(email: string, userId: string) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await emails.create({ _id: email, userId, at: new Date() });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await emails.findById(email).lean<{ userId: string; at: Date }>();
        const orphaned =
          existing &&
          Date.now() - existing.at.getTime() > ORPHAN_CLAIM_MS &&
          !(await accounts.exists({ _id: existing.userId }));
        if (!orphaned) throw new DomainError('email-taken', 'an account with this email exists');
        await emails.deleteOne({ _id: email, userId: existing.userId });
      }
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
      const userId = String(new Types.ObjectId());
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
        _id: userId,
        email,
        passwordHash,
        displayName: input.displayName,
        timeZone: input.timeZone,
        // Everyone signs up as a learner; author and admin come only from the bootstrap command.
        roles: ['learner'],
        createdAt,
      });
      return toUser(account.toObject());
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

    /**
     * Adds roles to an existing account (the bootstrap command); undefined when there is none.
     * Rare, so an update in place (which FerretDB serves with a scan) is fine here.
     */
    async grantRoles(email: string, granted: readonly Role[]): Promise<User | undefined> {
      const doc = await accountByEmail(email);
      if (!doc) return undefined;
      const updated = await accounts
        .findOneAndUpdate({ _id: doc._id }, { $addToSet: { roles: { $each: [...granted] } } }, { new: true })
        .lean<AccountDocument>();
      return updated ? toUser(updated) : undefined;
    },

    /** Sets an existing account's password, found by email or id; false when there is none. */
    async setPassword(account: { email: string } | { id: string }, password: string): Promise<boolean> {
      const id = 'email' in account ? (await accountByEmail(account.email))?._id : account.id;
      if (!id) return false;
      const result = await accounts.updateOne(
        { _id: id },
        { $set: { passwordHash: await passwords.hash(password) } },
      );
      return result.matchedCount === 1;
    },

    async findById(id: string): Promise<User | undefined> {
      const doc = await accounts.findById(id).lean<AccountDocument>();
      return doc ? toUser(doc) : undefined;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
