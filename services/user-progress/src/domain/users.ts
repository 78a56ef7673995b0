import { Types } from 'mongoose';
import { ConflictProblem, UnauthorizedProblem } from '@syllabus/service-kit';
import { pendingEvent } from './events';
import type { Role } from '@syllabus/auth';
import { isDuplicateKey, type Models, type UserDocument } from '../data-access/models';
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

export const toUser = (doc: UserDocument): User => ({
  id: String(doc._id),
  email: doc.email,
  displayName: doc.displayName,
  roles: doc.roles,
  timeZone: doc.timeZone,
  createdAt: doc.createdAt.toISOString(),
});

export function createUserService(deps: {
  models: Models;
  passwords?: Passwords;
  onEventRecorded?: () => void;
}) {
  const { users } = deps.models;
  const passwords = deps.passwords ?? createPasswords({ concurrency: 2, queue: 32 });

  return {
    async register(input: {
      email: string;
      password: string;
      displayName: string;
      timeZone: string;
    }): Promise<User> {
      const email = normaliseEmail(input.email);
      try {
        const id = new Types.ObjectId();
        const createdAt = new Date();
        // Announced so that notification knows where to write to, without asking us.
        const registered = pendingEvent(
          'identity.user-registered.v1',
          {
            userId: String(id),
            email,
            displayName: input.displayName,
            timeZone: input.timeZone,
            registeredAt: createdAt.toISOString(),
          },
          String(id),
        );
        const doc = await users.create({
          _id: id,
          email,
          passwordHash: await passwords.hash(input.password),
          displayName: input.displayName,
          timeZone: input.timeZone,
          // Everyone signs up as a learner; author and admin come only from the bootstrap command.
          roles: ['learner'],
          createdAt,
          pendingEvents: [registered],
          hasPendingEvents: true,
        });
        deps.onEventRecorded?.();
        return toUser(doc.toObject());
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictProblem('an account with this email exists');
        throw error;
      }
    },

    /** The user whose credentials these are; one answer for a wrong password and an unknown email. */
    async verifyCredentials(input: { email: string; password: string }): Promise<User> {
      const doc = await users.findOne({ email: normaliseEmail(input.email) }).lean<UserDocument>();
      const valid = await passwords.verify(
        input.password,
        doc?.passwordHash ?? (await passwords.unknownAccountHash()),
      );
      if (!doc || !valid) throw new UnauthorizedProblem('the email or password is wrong');
      return toUser(doc);
    },

    /** Adds roles to an existing account (the bootstrap command); undefined when there is none. */
    async grantRoles(email: string, granted: readonly Role[]): Promise<User | undefined> {
      const doc = await users
        .findOneAndUpdate(
          { email: normaliseEmail(email) },
          { $addToSet: { roles: { $each: [...granted] } } },
          { new: true },
        )
        .lean<UserDocument>();
      return doc ? toUser(doc) : undefined;
    },

    /** Sets an existing account's password, found by email or id; false when there is none. */
    async setPassword(account: { email: string } | { id: string }, password: string): Promise<boolean> {
      const filter = 'email' in account ? { email: normaliseEmail(account.email) } : { _id: account.id };
      const result = await users.updateOne(filter, {
        $set: { passwordHash: await passwords.hash(password) },
      });
      return result.matchedCount === 1;
    },

    async findById(id: string): Promise<User | undefined> {
      const doc = await users.findById(id).lean<UserDocument>();
      return doc ? toUser(doc) : undefined;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
