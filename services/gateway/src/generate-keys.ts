// `npm run generate-keys -w @syllabus/gateway [-- '<existing JWT_SIGNING_KEYS>']`: prints a
// JWT_SIGNING_KEYS value with a new ES256 key first (followed by the existing ones, for rotation).
import type { JWK } from 'jose';
import { generateSigningKey } from './domain/keys';

const existing = process.argv[2] ? (JSON.parse(process.argv[2]) as JWK[]) : [];
generateSigningKey().then(
  (key) => process.stdout.write(`${JSON.stringify([key, ...existing])}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
