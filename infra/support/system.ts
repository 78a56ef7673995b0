// The four services as deployed, natively, for the harnesses that drive the whole system (load,
// fuzz): each its own process, on databases, queues and keys of one run's own, so that runs and
// tests never meet; `removeData` takes all of it away again.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { topology } from '@syllabus/contracts';
import { configSchema as notificationConfig } from '@syllabus/notification/config';
import { freePort, testEnv } from '@syllabus/testing';
import type { createServiceRunner } from './services';

type ServiceRunner = ReturnType<typeof createServiceRunner>;
type Settings = Record<string, string>;

export async function nativeSystem(options: {
  services: ServiceRunner;
  /** Names what the run makes: databases `<name>_catalog_<run>`, queues `<name>.<run>.…`, keys `<name>:<run>:…`. */
  name: 'fuzz' | 'load';
  run: string;
  smtpUrl: string;
  /** Settings every service is given (telemetry, response checks, raised limits). */
  everyService: Settings;
  /** Settings only the gateway is given. */
  gateway?: Settings;
  /** A second user-progress on the same data, as a second replica would be. */
  progressReplica?: boolean;
}) {
  const { services, name, run } = options;
  const ports = {
    gateway: await freePort(),
    gatewayOps: await freePort(),
    catalog: await freePort(),
    catalogOps: await freePort(),
    progress: await freePort(),
    progressOps: await freePort(),
    progress2: await freePort(),
    progress2Ops: await freePort(),
    notification: await freePort(),
    notificationOps: await freePort(),
  };
  const database = (service: string) => `${name}_${service}_${run}`;
  const postgresUrl = (db: string) => `${testEnv.POSTGRES_URL.replace(/\/[^/]*$/, '')}/${db}`;
  const catalogDb = postgresUrl(database('catalog'));
  const notificationDb = postgresUrl(database('notification'));
  const mongo = { MONGODB_URL: testEnv.MONGODB_URL, MONGODB_DATABASE: database('progress') };
  const messagingPrefix = `${name}.${run}.`;
  const keyPrefix = `${name}:${run}:`;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const internalToken = `${name}-${randomUUID()}-${randomUUID()}`;
  const shared = {
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    MESSAGING_PREFIX: messagingPrefix,
    JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    JWT_ISSUER: gatewayUrl,
    ...options.everyService,
  };
  const listen = (port: number, operatorPort: number) => ({
    PORT: String(port),
    OPERATOR_PORT: String(operatorPort),
  });
  const progressSettings = {
    ...shared,
    ...mongo,
    REDIS_URL: testEnv.REDIS_URL,
    REDIS_KEY_PREFIX: `${keyPrefix}progress:`,
    INTERNAL_TOKEN: internalToken,
  };
  const settings = {
    gateway: {
      ...shared,
      ...listen(ports.gateway, ports.gatewayOps),
      REDIS_URL: testEnv.REDIS_URL,
      REDIS_KEY_PREFIX: `${keyPrefix}gateway:`,
      CATALOG_URL: `http://127.0.0.1:${ports.catalog}`,
      USER_PROGRESS_URL: `http://127.0.0.1:${ports.progress}`,
      NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
      INTERNAL_TOKEN: internalToken,
      ...options.gateway,
    },
    'user-progress': { ...progressSettings, ...listen(ports.progress, ports.progressOps) },
    'user-progress-2': { ...progressSettings, ...listen(ports.progress2, ports.progress2Ops) },
    notification: {
      ...shared,
      ...listen(ports.notification, ports.notificationOps),
      POSTGRES_URL: notificationDb,
      REDIS_URL: testEnv.REDIS_URL,
      FANOUT_CHANNEL_PREFIX: keyPrefix,
      SMTP_URL: options.smtpUrl,
    },
    catalog: {
      ...shared,
      ...listen(ports.catalog, ports.catalogOps),
      POSTGRES_URL: catalogDb,
      CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
      CACHE_NAMESPACE: `${keyPrefix}catalog:`,
    },
  };

  return {
    ports,
    gatewayUrl,
    mongo,
    notificationDb,
    keyPrefix,
    messagingPrefix,
    /** Each service's settings, by process name (a restart passes them again). */
    settings,

    /** Migrates, starts every service (the gateway first) and waits until each is ready, then seeds. */
    async start() {
      services.runToEnd('catalog', 'dist/src/migrate.js', { POSTGRES_URL: catalogDb });
      services.runToEnd('notification', 'dist/src/migrate.js', { POSTGRES_URL: notificationDb });
      const signingKeys = services.runToEnd('gateway', 'dist/src/generate-keys.js', {}).trim();
      services.start('gateway', 'gateway', { ...settings.gateway, JWT_SIGNING_KEYS: signingKeys });
      await services.ready('gateway', ports.gatewayOps);
      services.start('user-progress', 'user-progress', settings['user-progress']);
      if (options.progressReplica)
        services.start('user-progress-2', 'user-progress', settings['user-progress-2']);
      services.start('notification', 'notification', settings.notification);
      services.start('catalog', 'catalog', settings.catalog);
      await Promise.all([
        services.ready('user-progress', ports.progressOps),
        ...(options.progressReplica ? [services.ready('user-progress-2', ports.progress2Ops)] : []),
        services.ready('notification', ports.notificationOps),
        services.ready('catalog', ports.catalogOps),
      ]);
      services.runToEnd('catalog', 'dist/src/seed/main.js', { POSTGRES_URL: catalogDb });
    },

    /** Drops the run's databases, queues, exchange and keys (once the services are stopped). */
    async removeData() {
      await deleteQueues(messagingPrefix).catch((error: unknown) =>
        process.stdout.write(`could not delete this run's queues: ${String(error)}\n`),
      );
      const client = await MongoClient.connect(testEnv.MONGODB_URL);
      await client
        .db(mongo.MONGODB_DATABASE)
        .dropDatabase()
        .catch(() => undefined);
      await client.close();
      const redis = new Redis(testEnv.REDIS_URL);
      const keys = await redis.keys(`${keyPrefix}*`).catch(() => [] as string[]);
      if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
      redis.disconnect();
      const admin = new pg.Client({ connectionString: testEnv.POSTGRES_URL });
      await admin.connect();
      for (const db of [database('catalog'), database('notification')]) {
        await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      }
      await admin.end();
    },
  };
}

/**
 * Deletes the run's queues and exchange, as the tests drop their databases: quorum queues left
 * behind make every later broker restart slower (each one is recovered at start).
 */
async function deleteQueues(prefix: string) {
  const connection = await amqp.connect(testEnv.RABBITMQ_URL);
  connection.on('error', () => undefined);
  const delays = notificationConfig.shape.RETRY_DELAYS_MS.parse(undefined);
  const names = Object.keys(topology.queues).flatMap((queue) => [
    queue,
    `${queue}.dead-letter`,
    ...[...new Set([...delays, 1_000, 5_000, 30_000])].map((delay) => `${queue}.retry.${delay}ms`),
  ]);
  for (const name of names) {
    // A channel per queue: deleting one that does not exist closes the channel.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.deleteQueue(`${prefix}${name}`).catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.deleteExchange(`${prefix}${topology.exchange}`).catch(() => undefined);
  await connection.close();
}
