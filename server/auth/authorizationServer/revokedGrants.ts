/**
 * Grants the authorization server revoked (a replayed authorization code, a reused refresh token), remembered
 * so the resource server refuses their access tokens too: those are self-contained JWTs the provider never
 * stores, so its own revocation cannot reach them. Each token carries its grant's id (`grant_id`); a revoked id is
 * kept as long as a token of that grant can still be accepted (its lifetime plus the clock tolerance).
 *
 * The set lives in the provider's own storage (its adapter): in Redis when `REDIS_URL` is set, so every instance
 * sees a revocation made on another; in memory otherwise (bounded like every other artifact there).
 */
import type { OidcAdapter } from './oidcProvider';

/** The claim naming the grant an access token belongs to. */
export const GRANT_ID_CLAIM = 'grant_id';

const MODEL = 'RevokedGrant';
/** Ids longer than this are not the provider's (nanoid): never looked up. */
const MAX_GRANT_ID_LENGTH = 128;

export interface RevokedGrants {
  isRevoked(grantId: string): Promise<boolean>;
}

/**
 * The provider's adapter, recording every revoked grant: the provider revokes a grant's access tokens (always
 * among the models it revokes) before it answers, so the record exists before the client hears of the refusal.
 */
export function recordingRevokedGrants(
  adapter: (model: string) => OidcAdapter,
  keepSeconds: number,
): { adapter: (model: string) => OidcAdapter; revokedGrants: RevokedGrants } {
  const store = adapter(MODEL);
  const wrapped = (model: string): OidcAdapter => {
    const inner = adapter(model);
    if (model !== 'AccessToken') return inner;
    const revokeByGrantId = inner.revokeByGrantId.bind(inner);
    inner.revokeByGrantId = async (grantId: string) => {
      await store.upsert(grantId, { revokedAt: Math.floor(Date.now() / 1000) }, keepSeconds);
      await revokeByGrantId(grantId);
    };
    return inner;
  };
  return {
    adapter: wrapped,
    revokedGrants: {
      isRevoked: async (grantId) => grantId.length <= MAX_GRANT_ID_LENGTH && (await store.find(grantId)) !== undefined,
    },
  };
}
