/**
 * The parsed body of the 2026-07-28 request being served, for binding `requestState` to the original request: the
 * SDK's verify hook sees the context but not the params, so the router runs the handler inside this store.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

export const originalRequest = new AsyncLocalStorage<unknown>();

/**
 * Digest of what a retry must repeat unchanged: the target (`name`/`uri`) and `arguments` of the current request.
 * Computed only when state is minted or verified (multi round-trip rounds), never on ordinary calls.
 */
export function currentRequestDigest(): string {
  const body = originalRequest.getStore() as { params?: { name?: unknown; uri?: unknown; arguments?: unknown } } | undefined;
  const params = body?.params ?? {};
  return createHash('sha256')
    .update(JSON.stringify([params.name ?? null, params.uri ?? null, params.arguments ?? null]))
    .digest('base64url');
}
