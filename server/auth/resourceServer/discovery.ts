/**
 * Authorization server metadata discovery: RFC 8414 (`/.well-known/oauth-authorization-server`, inserted before
 * the issuer's path) and OpenID Connect Discovery (`/.well-known/openid-configuration`, both path-inserted and
 * appended), in the order MCP clients use. The document's `issuer` must equal the configured issuer exactly
 * (RFC 8414 §3.3), otherwise every token would later fail the issuer check with a less helpful message.
 */

export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  [key: string]: unknown;
}

export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path) {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

export async function discoverAuthorizationServer(
  issuer: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<AuthorizationServerMetadata> {
  const doFetch = options.fetch ?? fetch;
  const tried: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw new DiscoveryError(`cannot reach ${url}: ${(err as Error).message}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      if (response.status >= 500) throw new DiscoveryError(`HTTP ${response.status} from ${url}`);
      tried.push(`${url} (HTTP ${response.status})`);
      continue;
    }
    let metadata: AuthorizationServerMetadata;
    try {
      metadata = (await response.json()) as AuthorizationServerMetadata;
    } catch {
      throw new DiscoveryError(`${url} did not return JSON`);
    }
    if (metadata?.issuer !== issuer) {
      throw new DiscoveryError(
        `${url} describes issuer ${JSON.stringify(metadata?.issuer)}, not ${JSON.stringify(issuer)}: set OAUTH_ISSUER to the exact issuer value`,
      );
    }
    return metadata;
  }
  throw new DiscoveryError(`no authorization server metadata found (tried ${tried.join(', ')}); set OAUTH_JWKS_URI`);
}

/**
 * Resolves a value once, retrying after a failure no more often than `retryMs` (failures in between are
 * answered with the last error, so a down authorization server is not hammered).
 */
export function retryingOnce<T>(load: () => Promise<T>, retryMs = 10_000): () => Promise<T> {
  let value: Promise<T> | undefined;
  let failedAt = 0;
  let lastError: unknown;
  return () => {
    if (value) return value;
    if (lastError !== undefined && Date.now() - failedAt < retryMs) return Promise.reject(lastError);
    const attempt = load().then(
      (v) => v,
      (err: unknown) => {
        value = undefined;
        failedAt = Date.now();
        lastError = err;
        throw err;
      },
    );
    value = attempt;
    return attempt;
  };
}
