/**
 * The validator of `MCP_AUTH_MODE=token` (the mode itself is `modes/token.ts`): checks a presented token against the
 * static bearer tokens of `MCP_BEARER_TOKENS`. Each entry is the token itself or `sha256:<hex>` of it, so the secret
 * does not have to be stored in the server's configuration at all.
 *
 * Comparison is constant-time: the presented token is hashed with SHA-256 and compared with every configured
 * digest using `timingSafeEqual` (equal-length digests, no early exit), so timing reveals neither which entry
 * matched nor how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BEARER_TOKEN_DIGEST_PREFIX, ENV, bearerTokensProblem } from '../../config/contract';
import { AuthFailure } from './challenge';
import type { TokenValidator, VerifiedToken } from './tokenValidator';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface StaticToken {
  digest: Buffer;
  /** Stable, non-secret name for the principal: `token-` + the first 12 hex digits of the digest. */
  subject: string;
}

export function parseStaticTokens(entries: readonly string[]): StaticToken[] {
  // The same rule the configuration and infrastructure check (server/config/contract.ts); never echoes a token.
  const problem = bearerTokensProblem(entries);
  if (problem) throw new Error(`${ENV.bearerTokens}: ${problem}`);
  return entries.map((entry) => {
    const digest = entry.toLowerCase().startsWith(BEARER_TOKEN_DIGEST_PREFIX)
      ? Buffer.from(entry.slice(BEARER_TOKEN_DIGEST_PREFIX.length), 'hex')
      : sha256(entry);
    return { digest, subject: `token-${digest.toString('hex').slice(0, 12)}` };
  });
}

export class StaticTokenValidator implements TokenValidator {
  constructor(private readonly tokens: readonly StaticToken[]) {}

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
