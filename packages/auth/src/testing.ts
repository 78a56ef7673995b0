// Test support: an issuer with a real ES256 key whose JWKS is served over loopback HTTP, so
// services under test verify tokens exactly as in production.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ACCESS_TOKEN_TYPE, type Role } from './index';

export interface TestIssuer {
  jwksUrl: string;
  issuer: string;
  audience: string;
  publicJwk: JWK;
  /** The token-verification keys (`tokenVerificationSchema`) of a service that trusts this issuer. */
  env: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string };
  mint(
    claims: { sub: string; roles: Role[] },
    options?: { expiresIn?: string | number; audience?: string; issuer?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const issuer = options.issuer ?? 'https://gateway.syllabus.test';
  const audience = options.audience ?? 'syllabus';
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  return {
    jwksUrl,
    issuer,
    audience,
    publicJwk,
    env: { JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
    mint: (claims, mintOptions = {}) =>
      new SignJWT({ roles: claims.roles })
        .setProtectedHeader({ alg: 'ES256', kid, typ: ACCESS_TOKEN_TYPE })
        .setSubject(claims.sub)
        .setIssuer(mintOptions.issuer ?? issuer)
        .setAudience(mintOptions.audience ?? audience)
        .setIssuedAt()
        .setExpirationTime(mintOptions.expiresIn ?? '5m')
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
