/**
 * `requestState` of multi round-trip requests (2026-07-28): HMAC-SHA256 (the SDK's codec) under keys from
 * `MCP_REQUEST_STATE_KEYS`, so a retry verifies on any instance holding the same keys. The first key signs, every key
 * verifies (rotation). Each state carries an expiry and is bound (the codec's `bind`) to the method, the principal and
 * the original request's target and arguments: another user's, another call's or a forged state is refused (-32602).
 */
import { createRequestStateCodec, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { principalKey } from '../capabilities/principal';
import { currentRequestDigest } from './originalRequest';

/** How long a user has to answer before the retry is refused (the client asks the user in between). */
export const REQUEST_STATE_TTL_SECONDS = 600;

export interface RequestStateKeyring<T> {
  mint(payload: T, ctx: ServerContext): Promise<string>;
  /** The verified payload; throws (the SDK answers -32602 "Invalid or expired requestState") on any failure. */
  verify(state: string, ctx: ServerContext): Promise<T>;
}

const bind = (ctx: ServerContext) =>
  `${ctx.mcpReq.method}\0${principalKey(ctx.http?.authInfo)}\0${currentRequestDigest(ctx)}`;

export function requestStateKeyring<T>(
  keys: readonly Uint8Array[],
  ttlSeconds = REQUEST_STATE_TTL_SECONDS,
): RequestStateKeyring<T> {
  if (keys.length === 0) throw new Error('requestState needs at least one key');
  const codecs: RequestStateCodec<T>[] = keys.map((key) => createRequestStateCodec<T>({ key, ttlSeconds, bind }));
  return {
    mint: (payload, ctx) => codecs[0]!.mint(payload, ctx),
    async verify(state, ctx) {
      let failure: unknown;
      for (const codec of codecs) {
        try {
          return await codec.verify(state, ctx);
        } catch (err) {
          // 'mac' means "another key, maybe": keep trying; expired/bind/malformed under a matching key is final.
          failure ??= err;
          if ((err as Error).message !== 'mac') throw err;
        }
      }
      throw failure;
    },
  };
}
