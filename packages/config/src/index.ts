import { readFileSync } from 'node:fs';
import { z } from 'zod';

export { z };

/** Raised when the environment does not satisfy a service's schema; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * `KEY_FILE=/path` stands for `KEY=<the file's contents>` (the Docker and Kubernetes secrets
 * convention), so secrets can come from mounted files instead of the environment. Only for the
 * schema's own keys: other `*_FILE` variables in the environment are none of its business.
 */
function withFileValues(env: Environment, keys: readonly string[]): { env: Environment; problems: string[] } {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const key of keys) {
    const name = `${key}_FILE`;
    const path = env[name];
    if (!path) continue;
    try {
      resolved[key] ??= readFileSync(path, 'utf8').trim();
    } catch (error) {
      problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { env: resolved, problems };
}

/** Validates the environment against `schema`. This package is the only reader of `process.env`. */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  environment: Environment = process.env,
): z.infer<Schema> {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const { env, problems } = withFileValues(environment, keys);
  if (problems.length > 0) throw new ConfigError(problems);
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/** For entry points: load the configuration, or print every problem and exit with status 1. */
export function loadConfigOrExit<Schema extends z.ZodType>(schema: Schema): z.infer<Schema> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const urlWithProtocol = (protocols: readonly string[]) =>
  z
    .url({ message: `must be a URL (${protocols.join(', ')})` })
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol.replace(/:$/, '')), {
      message: `must use ${protocols.join(' or ')}`,
    });

/** Field types shared by the services' schemas. */
export const fields = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: () => z.string().min(1).default('127.0.0.1'),
  milliseconds: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  flag: (fallback: boolean) => z.stringbool().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  postgresUrl: () => urlWithProtocol(['postgres', 'postgresql']),
  redisUrl: () => urlWithProtocol(['redis', 'rediss']),
  amqpUrl: () => urlWithProtocol(['amqp', 'amqps']),
  mongoUrl: () => urlWithProtocol(['mongodb', 'mongodb+srv']),
  httpUrl: () => urlWithProtocol(['http', 'https']),
  /** Put before every exchange and queue name (e.g. `test.abc.`); empty in a deployment. */
  messagingPrefix: () =>
    z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ., _ and - only')
      .default(''),
  databaseName: () => z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only'),
  list: () =>
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
};

/** The keys every service has: where it listens, how it logs, how long it may take to stop. */
export const serviceSchema = z.object({
  HOST: fields.host(),
  LOG_LEVEL: fields.logLevel(),
  SHUTDOWN_TIMEOUT_MS: fields.milliseconds(10_000),
  /** Check every answer against its route's declaration (a mismatch becomes a 500): for tests. */
  VALIDATE_RESPONSES: fields.flag(false),
});

/** Whose access tokens these are: the gateway issues them with these claims, the services require them. */
export const tokenClaimsSchema = z.object({
  JWT_ISSUER: z.string().min(1).default('http://127.0.0.1:8080'),
  JWT_AUDIENCE: z.string().min(1).default('syllabus'),
});

/** The keys of a service that checks the gateway's access tokens: whose, and where their keys are. */
export const tokenVerificationSchema = tokenClaimsSchema.extend({
  JWKS_URL: fields.httpUrl().default('http://127.0.0.1:8080/.well-known/jwks.json'),
});

/** The keys of a service on the event bus. */
export const messagingSchema = z.object({
  RABBITMQ_URL: fields.amqpUrl(),
  MESSAGING_PREFIX: fields.messagingPrefix(),
});
