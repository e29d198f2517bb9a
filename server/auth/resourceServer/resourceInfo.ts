/**
 * The MCP server as an OAuth protected resource (RFC 9728): its identifier and where its metadata lives.
 */
import type { ServerConfig } from '../../config/env';

export const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ResourceInfo {
  /**
   * Resource identifier: `MCP_PUBLIC_URL` as configured (clients compare it with the URL they use); a bare origin
   * in its parsed form `https://host/`, which is what clients compare and send.
   */
  resource: string;
  /** Expected `aud` of access tokens (`OAUTH_AUDIENCE`, default: the resource identifier). */
  audience: string;
  /** Path-inserted metadata URL (`/.well-known/oauth-protected-resource/mcp`), the one challenges point to. */
  metadataUrl: string;
  /** Paths this server serves the metadata at: the path-inserted form and the root form. */
  metadataPaths: string[];
}

export function resourceInfo(config: ServerConfig): ResourceInfo {
  const resource = config.auth.resource ?? config.publicUrl.href;
  const url = new URL(resource);
  const path = url.pathname.replace(/\/+$/, '');
  const pathInserted = `${PRM_WELL_KNOWN}${path}`;
  return {
    resource,
    audience: config.auth.audience ?? resource,
    metadataUrl: new URL(pathInserted, url.origin).href,
    metadataPaths: [...new Set([pathInserted, PRM_WELL_KNOWN])],
  };
}

/** Scopes advertised in metadata: the server-wide scopes, then every per-tool scope. */
export function supportedScopes(
  serverScopes: readonly string[],
  toolScopes?: Readonly<Record<string, readonly string[]>>,
): string[] {
  return [...new Set([...serverScopes, ...Object.values(toolScopes ?? {}).flat()])];
}
