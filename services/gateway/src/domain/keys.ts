import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** A public key as the JWKS publishes it: named by its `kid`. */
type PublicJwk = JWK & { kid: string; kty: string };

export interface KeyRing {
  /** The key new tokens are signed with. */
  signing: { kid: string; key: CryptoKey };
  /** Every public key a token may still be verified with: the signing key and the retiring ones. */
  jwks: { keys: PublicJwk[] };
}

/**
 * The gateway's ES256 keys, from configuration (a Secret in Kubernetes): the first signs, all are
 * published. Rotation: put a new key first, keep the old one after it until every token it
 * signed has expired (access tokens live 15 minutes), then drop it.
 */
export async function createKeyRing(privateJwks: JWK[]): Promise<KeyRing> {
  const [first] = privateJwks;
  if (!first) throw new Error('JWT_SIGNING_KEYS needs at least one private JWK');
  // A verifier picks the key by `kid`: a published key without one could verify nothing.
  const publicKeys = privateJwks.map(({ d: _private, kid, kty, ...publicPart }) => {
    if (!kid || !kty) throw new Error('every key in JWT_SIGNING_KEYS needs a kid and a kty');
    return { ...publicPart, kid, kty, alg: 'ES256', use: 'sig' };
  });
  return {
    signing: {
      kid: publicKeys[0]!.kid,
      key: (await importJWK({ ...first, alg: 'ES256' }, 'ES256')) as CryptoKey,
    },
    jwks: { keys: publicKeys },
  };
}

export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}
