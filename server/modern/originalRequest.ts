/**
 * What a `requestState` is bound to besides the method and principal: the original request. The SDK's verify hook
 * sees the context but not the params, so the digest is taken from the request the handler serves (`ctx.http.req`,
 * the router's `RequestView`, which carries the parsed body).
 */
import { createHash } from 'node:crypto';
import type { ServerContext } from '@modelcontextprotocol/server';
import { RequestView } from './requestView';

/**
 * Digest of what a retry must repeat unchanged: the target (`name`/`uri`) and `arguments` of the current request.
 * Computed only when state is minted or verified (multi round-trip rounds), never on ordinary calls. Without the
 * original request nothing can be bound: throws (the SDK then refuses the state).
 */
export function currentRequestDigest(ctx: ServerContext): string {
  const req = ctx.http?.req as unknown;
  if (!(req instanceof RequestView)) throw new Error('requestState: the original request is unknown');
  const body = req.parsedBody as { params?: { name?: unknown; uri?: unknown; arguments?: unknown } } | undefined;
  const params = body?.params ?? {};
  return createHash('sha256')
    .update(JSON.stringify([params.name ?? null, params.uri ?? null, params.arguments ?? null]))
    .digest('base64url');
}
