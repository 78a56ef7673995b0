import { Types } from 'mongoose';
import type { Role } from '@syllabus/auth';
import type { Account, AccountRepository, EmailClaim } from '../domain/ports';
import { isDuplicateKey, type AccountDocument, type Models } from './models';

const toAccount = ({ _id, ...account }: AccountDocument): Account => ({ id: _id, ...account });
const found = (doc: AccountDocument | null) => (doc ? toAccount(doc) : null);

/**
 * Accounts, and the claims of their email addresses: each found with one `_id` read (the
 * email is the `_id` of its claim), which is all FerretDB serves without a scan.
 */
export function createAccountRepository(models: Models): AccountRepository {
  const { accounts, emails } = models;
  return {
    newId: () => String(new Types.ObjectId()),

    byId: async (id: string) => found(await accounts.findById(id).lean<AccountDocument>()),

    async byEmail(email: string) {
      const claim = await emails.findById(email).lean<EmailClaim>();
      return claim ? found(await accounts.findById(claim.userId).lean<AccountDocument>()) : null;
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

    releaseClaim: async (email: string, userId: string) => {
      await emails.deleteOne({ _id: email, userId });
    },

    create: async ({ id, ...account }: Account) =>
      toAccount((await accounts.create({ _id: id, ...account })).toObject()),

    /** Rare, so an update in place (which FerretDB serves with a scan) is fine here. */
    addRoles: async (id: string, roles: readonly Role[]) =>
      found(
        await accounts
          .findOneAndUpdate(
            { _id: id },
            { $addToSet: { roles: { $each: [...roles] } } },
            { returnDocument: 'after' },
          )
          .lean<AccountDocument>(),
      ),

    setPasswordHash: async (id: string, passwordHash: string) =>
      (await accounts.updateOne({ _id: id }, { $set: { passwordHash } })).matchedCount === 1,

    /** Every account's id, streamed (for rebuilding the leaderboard). */
    async *ids(): AsyncGenerator<string> {
      for await (const account of accounts.find({}, { _id: 1 }).lean<{ _id: string }>().cursor())
        yield account._id;
    },
  };
}
