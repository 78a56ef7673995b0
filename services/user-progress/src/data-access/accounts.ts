import { Types } from 'mongoose';
import type { Role } from '@syllabus/auth';
import { isDuplicateKey, type AccountDocument, type Models } from './models';

export type AccountRecord = AccountDocument;
export interface EmailClaim {
  userId: string;
  at: Date;
}

/**
 * Accounts, and the claims of their email addresses: each found with one `_id` read (the
 * email is the `_id` of its claim), which is all FerretDB serves without a scan.
 */
export function createAccountRepository(models: Models) {
  const { accounts, emails } = models;
  return {
    newId: () => String(new Types.ObjectId()),

    byId: (id: string) => accounts.findById(id).lean<AccountRecord>().exec(),

    async byEmail(email: string) {
      const claim = await emails.findById(email).lean<EmailClaim>();
      return claim ? accounts.findById(claim.userId).lean<AccountRecord>().exec() : null;
    },

    exists: async (id: string) => (await accounts.exists({ _id: id })) !== null,

    /** Inserts the claim; false when the address is claimed already (the unique `_id` decides). */
    async claimEmail(email: string, userId: string): Promise<boolean> {
      try {
        await emails.create({ _id: email, userId, at: new Date() });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },

    claimOf: (email: string) => emails.findById(email).lean<EmailClaim>().exec(),

    /** Drops the claim, if it is still this user's. */
    releaseClaim: async (email: string, userId: string) => {
      await emails.deleteOne({ _id: email, userId });
    },

    create: async (account: AccountRecord): Promise<AccountRecord> =>
      (await accounts.create(account)).toObject(),

    /** Rare, so an update in place (which FerretDB serves with a scan) is fine here. */
    addRoles: (id: string, roles: readonly Role[]) =>
      accounts
        .findOneAndUpdate({ _id: id }, { $addToSet: { roles: { $each: [...roles] } } }, { new: true })
        .lean<AccountRecord>()
        .exec(),

    /** Whether there was such an account. */
    setPasswordHash: async (id: string, passwordHash: string) =>
      (await accounts.updateOne({ _id: id }, { $set: { passwordHash } })).matchedCount === 1,

    /** Every account's id, streamed (for rebuilding the leaderboard). */
    async *ids(): AsyncGenerator<string> {
      for await (const account of accounts.find({}, { _id: 1 }).lean<{ _id: string }>().cursor())
        yield account._id;
    },
  };
}

export type AccountRepository = ReturnType<typeof createAccountRepository>;
