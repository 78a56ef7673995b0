// `npm run bootstrap-user -w @syllabus/user-progress`: makes sure an account with the given roles
// exists — the only way anyone becomes an author or an admin. Used by `npm start` (a demo
// author), docker compose and Kubernetes (one-shot jobs). Idempotent: an existing account gains
// the roles, and keeps its password unless BOOTSTRAP_PASSWORD is given (then that is its
// password). A new account without BOOTSTRAP_PASSWORD gets a generated one, printed once.
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import mongoose from 'mongoose';
import { roles } from '@syllabus/auth';
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { createLearnerStore } from './data-access/learner-store';
import { createModels, syncIndexes } from './data-access/models';
import { Registry, createLogger } from '@syllabus/service-kit';
import { createAccountRepository } from './data-access/accounts';
import { createUserService } from './domain/users';

const config = loadConfigOrExit(
  z.object({
    MONGODB_URL: fields.mongoUrl(),
    MONGODB_DATABASE: fields.databaseName().default('user_progress'),
    BOOTSTRAP_EMAIL: z.email(),
    BOOTSTRAP_PASSWORD: z.string().min(10).max(200).optional(),
    BOOTSTRAP_DISPLAY_NAME: z.string().min(1).max(100).default('Syllabus author'),
    BOOTSTRAP_ROLES: fields
      .list()
      .pipe(z.array(z.enum(roles)).min(1, 'at least one of learner, author, admin')),
  }),
);

async function main() {
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, {
      dbName: config.MONGODB_DATABASE,
      serverSelectionTimeoutMS: 10_000,
    })
    .asPromise();
  try {
    const models = createModels(connection);
    await syncIndexes(models);
    // No broker or Redis here: a new account's sign-up event waits in the outbox, and the
    // running service's relay sends it (and ranks the learner) once its grace period is over.
    const store = createLearnerStore({
      models,
      publish: () => Promise.reject(new Error('the bootstrap command does not publish')),
      ready: () => false,
      logger: createLogger({ service: 'bootstrap-user', level: 'warn' }),
      registry: new Registry(),
      project: () => Promise.reject(new Error('the bootstrap command does not rank')),
      relayIntervalMs: 60_000,
      heads: new LRUCache({ max: 10 }),
    });
    const users = createUserService({ accounts: createAccountRepository(models), store });
    let password: string | undefined;
    let user = await users.grantRoles(config.BOOTSTRAP_EMAIL, config.BOOTSTRAP_ROLES);
    if (user && config.BOOTSTRAP_PASSWORD)
      await users.setPassword({ email: config.BOOTSTRAP_EMAIL }, config.BOOTSTRAP_PASSWORD);
    if (!user) {
      password = config.BOOTSTRAP_PASSWORD ?? randomBytes(12).toString('base64url');
      await users.register({
        email: config.BOOTSTRAP_EMAIL,
        password,
        displayName: config.BOOTSTRAP_DISPLAY_NAME,
        timeZone: 'UTC',
      });
      user = await users.grantRoles(config.BOOTSTRAP_EMAIL, config.BOOTSTRAP_ROLES);
    }
    const generated = password !== undefined && config.BOOTSTRAP_PASSWORD === undefined;
    process.stdout.write(
      `${JSON.stringify({
        email: user!.email,
        roles: user!.roles,
        created: password !== undefined,
        ...(generated ? { password } : {}),
      })}\n`,
    );
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bootstrap-user failed: ${String(error)}\n`);
  process.exit(1);
});
