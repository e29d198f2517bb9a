/**
 * The SDK v2 client (`@modelcontextprotocol/client`) signs in against both embedded authorization servers (dev
 * and broker) with its own OAuth support — which checks the RFC 9207 `iss` of the authorization response — via
 * Dynamic Client Registration and via a Client ID Metadata Document, then talks MCP 2026-07-28.
 *
 * The v2 client's default `versionNegotiation.mode` is `'legacy'` (an `initialize` handshake, so 2025-11-25);
 * `'auto'` probes with `server/discover` and takes the newest revision both sides speak. Both are checked: the
 * same token serves both eras on the one URL.
 */
import {
  Client,
  IssuerMismatchError,
  StreamableHTTPClientTransport,
  type FetchLike,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/client';
import { InMemoryOAuthClient, authorize } from './helpers/oauthClient';
import { startEmbeddedMode, type EmbeddedMode } from './helpers/embeddedMode';
import { serveMetadataDocument } from './helpers/metadataDocument';

jest.setTimeout(90_000);

const MODERN = '2026-07-28';

/** The shared test provider, plus the discovery state a v2 app persists so the client binds the code to its AS. */
class V2OAuthClient extends InMemoryOAuthClient {
  private discovery?: OAuthDiscoveryState;
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
}

/** What the client put on the wire to the MCP endpoint: each POST's JSON-RPC method and MCP-Protocol-Version header. */
function recordingFetch(mcpUrl: URL, seen: { method: string; version: string | null }[]): FetchLike {
  return async (url, init) => {
    if (String(url) === mcpUrl.href && init?.method === 'POST' && typeof init.body === 'string') {
      const body = JSON.parse(init.body) as { method?: string };
      seen.push({
        method: body.method ?? '(response)',
        version: new Headers(init.headers).get('mcp-protocol-version'),
      });
    }
    return fetch(url, init);
  };
}

/**
 * The whole flow as an application drives it: connect (401 → discovery → registration or CIMD → authorization
 * URL), sign in, hand the callback's query (code, state, iss) to `finishAuth`, connect again, call whoami.
 * `forgedIss` replaces the callback's `iss` (a mix-up attack) to check that the client refuses it.
 */
async function signInAndCallWhoami(mode: EmbeddedMode, provider: V2OAuthClient, forgedIss?: string) {
  const mcpUrl = mode.server.mcpUrl;
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider as never });
  await expect(new Client({ name: 'jest-v2', version: '1.0.0' }).connect(first)).rejects.toThrow();
  expect(provider.authorizationUrl).toBeDefined();
  const callback = await authorize(provider.authorizationUrl!, provider.redirectUrl, mode.signIn);
  expect(callback.iss).toBe(mode.issuer);
  expect(callback.state).toBe(provider.expectedState());
  await first.finishAuth(
    new URLSearchParams({ code: callback.code, state: callback.state ?? '', iss: forgedIss ?? callback.iss ?? '' }),
  );
  await first.close();

  return callWhoami(mcpUrl, provider, 'auto');
}

async function callWhoami(mcpUrl: URL, provider: V2OAuthClient, negotiation: 'auto' | 'legacy') {
  const seen: { method: string; version: string | null }[] = [];
  const client = new Client({ name: 'jest-v2', version: '1.0.0' }, { versionNegotiation: { mode: negotiation } });
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider as never, fetch: recordingFetch(mcpUrl, seen) }),
  );
  try {
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    return {
      who: who.structuredContent as { issuer?: string; clientId?: string; subject?: string },
      version: client.getNegotiatedProtocolVersion(),
      seen,
    };
  } finally {
    await client.close();
  }
}

describe.each(['dev', 'broker'] as const)('%s authorization server', (modeName) => {
  let mode: EmbeddedMode;
  beforeAll(async () => {
    mode = await startEmbeddedMode(modeName);
  });
  afterAll(async () => {
    await mode?.close();
  });

  test('DCR: the flow completes, whoami names our issuer, 2026-07-28 when negotiated (2025-11-25 by default)', async () => {
    const provider = new V2OAuthClient();
    const { who, version, seen } = await signInAndCallWhoami(mode, provider);
    expect(provider.registrations).toBe(1);
    expect(who.issuer).toBe(mode.issuer);
    expect(who.subject).toBeTruthy();
    expect(version).toBe(MODERN);
    // On the wire too: no initialize handshake, and every request carries the modern version header.
    expect(seen.map((s) => s.method)).toContain('tools/call');
    expect(seen.map((s) => s.method)).not.toContain('initialize');
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set([MODERN]));

    // The client's default (legacy handshake) with the same token: 2025-11-25, same principal.
    const legacy = await callWhoami(mode.server.mcpUrl, provider, 'legacy');
    expect(legacy.version).toBe('2025-11-25');
    expect(legacy.seen[0]?.method).toBe('initialize');
    expect(legacy.who).toEqual(who);
  });

  test('Client ID Metadata Document: the document URL is the client id, 2026-07-28 when negotiated', async () => {
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      client_name: 'v2 client (CIMD)',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }));
    try {
      const provider = new V2OAuthClient(doc.url);
      const { who, version } = await signInAndCallWhoami(mode, provider);
      expect(doc.requests()).toBeGreaterThan(0);
      expect(who.clientId).toBe(doc.url);
      expect(who.issuer).toBe(mode.issuer);
      expect(version).toBe(MODERN);
    } finally {
      await doc.close();
    }
  });

  test('a forged iss in the authorization response is refused by the client (no token exchange)', async () => {
    const provider = new V2OAuthClient();
    const refused = await signInAndCallWhoami(mode, provider, 'https://attacker.example/oauth').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(IssuerMismatchError);
    expect((refused as IssuerMismatchError).kind).toBe('authorization_response');
    expect(provider.tokens()).toBeUndefined();
  });
});
