/**
 * Redirect URIs a client may register (by DCR or in its metadata document), the same rule in every embedded mode
 * (dev and broker): what real MCP clients use, and nothing else — so a registration cannot turn the server into a
 * way to send codes anywhere.
 *
 * - `http` on a loopback address, any port and path: desktop and CLI clients (RFC 8252 §7.3: Claude Code, VS Code,
 *   Cursor, the MCP Inspector, mcp-remote);
 * - `https` on a host of the allow-list: hosted clients' callbacks (Claude, ChatGPT, VS Code for the web);
 * - a private-use scheme of the allow-list: native apps (RFC 8252 §7.1).
 */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface RedirectPolicy {
  /** HTTPS hosts of known hosted clients. */
  hosts: readonly string[];
  /** Private-use URI schemes of known native clients. */
  schemes: readonly string[];
  /** The settings that change the lists, named in refusals (none where they are fixed). */
  settings?: { hosts: string; schemes: string };
}

export function redirectUriProblem(uri: string, policy: RedirectPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect_uri ${JSON.stringify(uri.slice(0, 200))} is not a URL`;
  }
  if (url.hash) return 'a redirect_uri must not contain a fragment';
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? undefined
      : 'http redirect URIs are accepted only on loopback addresses (127.0.0.1, localhost, [::1])';
  }
  if (scheme === 'https') {
    return policy.hosts.includes(url.hostname.toLowerCase())
      ? undefined
      : `https redirect URIs are accepted only for known MCP clients (${policy.hosts.join(', ')})${policy.settings ? `; see ${policy.settings.hosts}` : ''}`;
  }
  if (policy.schemes.includes(scheme)) return undefined;
  return `redirect URI scheme "${scheme.slice(0, 40)}" is not accepted${policy.settings ? ` (see ${policy.settings.schemes})` : ` (known: ${policy.schemes.join(', ')})`}`;
}
