/**
 * Both embedded authorization servers (dev and broker) against what protocol revision 2026-07-28 asks of them:
 * RFC 9207 `iss` in every authorization response (and advertised), DCR honouring `application_type`, Client ID
 * Metadata Documents (advertised, and working end to end with the SDK client).
 */
import { discoverAuthorizationServerMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { Browser, InMemoryOAuthClient, authorize, connectWithOAuth } from './helpers/oauthClient';
import { authorizationUrl, pkce, registerClient } from './helpers/embeddedFlow';
import { startEmbeddedMode, type EmbeddedMode } from './helpers/embeddedMode';
import { serveMetadataDocument } from './helpers/metadataDocument';

jest.setTimeout(60_000);

describe.each(['dev', 'broker'] as const)('%s mode', (modeName) => {
  let mode: EmbeddedMode;
  beforeAll(async () => {
    mode = await startEmbeddedMode(modeName);
  });
  afterAll(async () => {
    await mode?.close();
  });

  test('metadata advertises iss in authorization responses and Client ID Metadata Documents', async () => {
    const metadata = await discoverAuthorizationServerMetadata(mode.issuer);
    expect(metadata).toMatchObject({
      issuer: mode.issuer,
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
  });

  test('iss (RFC 9207) is in the successful authorization response and in error redirects', async () => {
    const redirect = 'http://127.0.0.1:9/cb';
    const { body } = await registerClient(mode.issuer, { redirect_uris: [redirect] });
    const ok = authorizationUrl(mode.issuer, {
      client_id: body.client_id!,
      redirect_uri: redirect,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      state: 'st',
    });
    const success = await authorize(ok, redirect, mode.signIn);
    expect(success.code).toBeTruthy();
    expect(success.iss).toBe(mode.issuer);
    // Refused before sign-in (a resource this server does not issue tokens for): still an iss.
    const bad = authorizationUrl(mode.issuer, {
      client_id: body.client_id!,
      redirect_uri: redirect,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      resource: 'https://other.example/mcp',
      state: 'st',
    });
    const res = await new Browser().fetch(bad);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(redirect)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('iss')).toBe(mode.issuer);
    expect(location.searchParams.get('state')).toBe('st');
  });

  test.each([
    ['native', 'http://127.0.0.1/callback', 201, 'native'],
    ['native', 'http://localhost:6274/oauth/callback', 201, 'native'],
    ['native', 'cursor://anysphere.cursor-retrieval/oauth/callback', 201, 'native'],
    ['native', 'https://evil.com/cb', 400, undefined],
    ['web', 'https://claude.ai/api/mcp/auth_callback', 201, 'web'],
    // Browser-based clients served from the developer's machine (the MCP Inspector).
    ['web', 'http://localhost:6274/oauth/callback', 201, 'web'],
    ['web', 'cursor://anysphere.cursor-retrieval/oauth/callback', 400, undefined],
    ['web', 'https://evil.com/cb', 400, undefined],
    // Not stated: loopback and private-use redirects mean a native app (never refused as a "web" client).
    [undefined, 'http://127.0.0.1:33418/cb', 201, 'native'],
    [undefined, 'vscode://vscode.github-authentication/did-authenticate', 201, 'native'],
    [undefined, 'https://claude.ai/api/mcp/auth_callback', 201, 'web'],
  ])('application_type %s with %s → %d (%s)', async (applicationType, uri, status, stored) => {
    const { status: got, body } = await registerClient(mode.issuer, {
      redirect_uris: [uri],
      ...(applicationType ? { application_type: applicationType } : {}),
    });
    expect({ got, error: body.error, type: body.application_type }).toEqual({
      got: status,
      error: status === 201 ? undefined : 'invalid_redirect_uri',
      type: stored,
    });
  });

  test('a native client registered with a port-less loopback redirect may use any port (RFC 8252 §7.3)', async () => {
    const { body } = await registerClient(mode.issuer, {
      redirect_uris: ['http://127.0.0.1/callback'],
      application_type: 'native',
    });
    const redirect = 'http://127.0.0.1:54321/callback';
    const url = authorizationUrl(mode.issuer, {
      client_id: body.client_id!,
      redirect_uri: redirect,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const { code, iss } = await authorize(url, redirect, mode.signIn);
    expect(code).toBeTruthy();
    expect(iss).toBe(mode.issuer);
  });

  test('the SDK client through a Client ID Metadata Document (no registration)', async () => {
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      client_name: 'CIMD test client',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }));
    try {
      const provider = new InMemoryOAuthClient(doc.url);
      const client = await connectWithOAuth(mode.server.mcpUrl, provider, mode.signIn);
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect((who.structuredContent as { clientId?: string }).clientId).toBe(doc.url);
      await client.close();
      expect(provider.registrations).toBe(1);
      expect(provider.clientInformation()!.client_id).toBe(doc.url);
      expect(doc.requests()).toBeGreaterThanOrEqual(1);
    } finally {
      await doc.close();
    }
  });

  test('a metadata document with a redirect URI outside the policy is refused', async () => {
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      redirect_uris: ['https://evil.com/cb'],
      token_endpoint_auth_method: 'none',
    }));
    try {
      const url = authorizationUrl(mode.issuer, {
        client_id: doc.url,
        redirect_uri: 'https://evil.com/cb',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const res = await new Browser().fetch(url);
      // Never sent to the attacker's URI: an error page here.
      expect(res.headers.get('location') ?? '').not.toContain('evil.com');
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/redirect/i);
    } finally {
      await doc.close();
    }
  });
});
