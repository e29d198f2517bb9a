/**
 * The broker's signing keys (`BROKER_SIGNING_KEYS`): the first signs, the others stay in the published JWKS so the
 * tokens they signed stay valid until they expire — rotation is "put a new key first, drop the old one a token
 * lifetime later". The provider's cookie keys are derived from the same secret (one per signing key, in order), so
 * every instance shares them and nothing else needs distributing.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { ConfigError, type SigningJwk } from '../../../config/env';
import { loadJose } from '../../esm';

export interface BrokerKeys {
  signing: JWK[];
  cookieKeys: string[];
  /** Algorithm of the first key: access tokens and ID tokens are signed with it. */
  alg: string;
  /** True when the keys were generated at start (no `BROKER_SIGNING_KEYS`). */
  generated: boolean;
}

export async function brokerKeys(configured: SigningJwk[] | undefined): Promise<BrokerKeys> {
  const jose = loadJose();
  const signing = configured ? configured.map((k) => ({ ...k, use: 'sig' }) as JWK) : [await newSigningKey()];
  // A malformed key fails here, at start-up, with the key's id (never its material).
  for (const key of signing) {
    try {
      await jose.importJWK(key, key.alg);
    } catch (err) {
      throw new ConfigError(
        `Invalid BROKER_SIGNING_KEYS=(secret): key "${key.kid}" cannot be used: ${(err as Error).message}`,
      );
    }
  }
  const cookieKeys = signing.map((k) =>
    createHmac('sha256', String(k.d)).update('remote-mcp-stacks broker cookies').digest('base64url'),
  );
  return { signing, cookieKeys, alg: String(signing[0]!.alg), generated: !configured };
}

/** A fresh ES256 private JWK with a dated key id (what `npm run broker:keys` prints). */
export async function newSigningKey(): Promise<JWK> {
  const jose = loadJose();
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return { ...(await jose.exportJWK(pair.privateKey)), kid, alg: 'ES256', use: 'sig' };
}
