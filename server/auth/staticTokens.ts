/**
 * `MCP_AUTH_MODE=token`: static bearer tokens (`MCP_BEARER_TOKENS`), for clients configured with an
 * `Authorization: Bearer …` header. Each entry is the token itself or `sha256:<hex>` of it, so the secret does
 * not have to be stored in the server's configuration at all.
 *
 * Comparison is constant-time: the presented token is hashed with SHA-256 and compared with every configured
 * digest using `timingSafeEqual` (equal-length digests, no early exit), so timing reveals neither which entry
 * matched nor how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MIN_BEARER_TOKEN_LENGTH } from '../config/env';
import { AuthFailure } from './challenge';
import type { TokenValidator, VerifiedToken } from './types';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface StaticToken {
  digest: Buffer;
  /** Stable, non-secret name for the principal: `token-` + the first 12 hex digits of the digest. */
  subject: string;
}

export function parseStaticTokens(entries: readonly string[]): StaticToken[] {
  return entries.map((entry, i) => {
    let digest: Buffer;
    if (entry.toLowerCase().startsWith('sha256:')) {
      const hex = entry.slice('sha256:'.length);
      if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`MCP_BEARER_TOKENS entry ${i + 1}: sha256: must be followed by 64 hex digits`);
      digest = Buffer.from(hex, 'hex');
    } else {
      if (entry.length < MIN_BEARER_TOKEN_LENGTH) {
        throw new Error(`MCP_BEARER_TOKENS entry ${i + 1}: tokens must be at least ${MIN_BEARER_TOKEN_LENGTH} characters long`);
      }
      digest = sha256(entry);
    }
    return { digest, subject: `token-${digest.toString('hex').slice(0, 12)}` };
  });
}

export class StaticTokenValidator implements TokenValidator {
  constructor(private readonly tokens: readonly StaticToken[]) {
    if (tokens.length === 0) throw new Error('MCP_AUTH_MODE=token needs at least one token in MCP_BEARER_TOKENS');
  }

  async validate(token: string): Promise<VerifiedToken> {
    const presented = sha256(token);
    let match: StaticToken | undefined;
    for (const candidate of this.tokens) {
      // Every entry is compared, whatever matched before.
      if (timingSafeEqual(presented, candidate.digest) && !match) match = candidate;
    }
    if (!match) throw AuthFailure.invalidToken('The bearer token is not valid');
    return { subject: match.subject, clientId: 'static-token', scopes: [] };
  }
}
