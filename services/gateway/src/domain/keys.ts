import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export interface KeyRing {
  /** The key new tokens are signed with. */
  signing: { kid: string; key: CryptoKey };
  /** Every public key a token may still be verified with: the signing key and the retiring ones. */
  jwks: { keys: JWK[] };
}

/**
 * The gateway's ES256 keys, from configuration (a Secret in Kubernetes): the first signs, all are
 * published. Rotation: put a new key first, keep the old one after it until every token it
 * signed has expired (access tokens live 15 minutes), then drop it.
 */
export async function createKeyRing(privateJwks: JWK[]): Promise<KeyRing> {
  const [first] = privateJwks;
  if (!first?.kid) throw new Error('JWT_SIGNING_KEYS needs at least one private JWK with a kid');
  const publicKeys = privateJwks.map(({ d: _private, ...publicPart }) => ({
    ...publicPart,
    alg: 'ES256',
    use: 'sig',
  }));
  return {
    signing: { kid: first.kid, key: (await importJWK({ ...first, alg: 'ES256' }, 'ES256')) as CryptoKey },
    jwks: { keys: publicKeys },
  };
}

export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}
