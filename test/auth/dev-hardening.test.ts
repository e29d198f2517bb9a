/**
 * The development authorization server against a hostile client (issue 17, "dev mode only"): registration holds
 * redirect URIs to the broker's rule, the sign-in page names where the code goes, and a replayed code (or a reused
 * refresh token) also kills the access tokens already issued for that grant at the MCP endpoint.
 */
import { loadJose } from '../../server/auth/esm';
import { Browser, authorize, clickDevSignIn } from './helpers/oauthClient';
import { authorizationUrl, codeExchangeFor, pkce, registerClient, tokenRequest } from './helpers/embeddedFlow';
import {
  challengeOf,
  freePort,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  type AuthTestServer,
} from './helpers/mcpServer';

const REDIRECT = 'http://127.0.0.1:9/cb';
let server: AuthTestServer;
let issuer: string;

beforeAll(async () => {
  const port = await freePort();
  server = await startMcpServer({ PORT: String(port) });
  issuer = `http://127.0.0.1:${port}/oauth`;
});
afterAll(async () => {
  await server?.close();
});

test('registration refuses redirect URIs no MCP client uses, with the same rule as broker mode', async () => {
  for (const uri of [
    'https://evil.com/cb',
    'http://192.168.1.10/cb',
    'http://evil.com/cb',
    'evil-app://cb',
    'javascript:alert(1)',
    'http://127.0.0.1:9/cb#frag',
  ]) {
    const { status, body } = await registerClient(issuer, { redirect_uris: [uri] });
    expect({ uri, status, error: body.error }).toEqual({ uri, status: 400, error: 'invalid_redirect_uri' });
    expect(body.error_description).not.toMatch(/BROKER_/);
  }
  // One bad URI among good ones is enough to refuse.
  expect((await registerClient(issuer, { redirect_uris: [REDIRECT, 'https://evil.com/cb'] })).status).toBe(400);
  for (const uri of [
    'http://127.0.0.1:33418/',
    'http://localhost:6274/oauth/callback',
    'http://[::1]:8080/cb',
    'https://claude.ai/api/mcp/auth_callback',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
  ]) {
    const { status } = await registerClient(issuer, { redirect_uris: [uri] });
    expect({ uri, status }).toEqual({ uri, status: 201 });
  }
});

async function signInPage(redirectUri: string, clientName: string): Promise<string> {
  const { body } = await registerClient(issuer, { redirect_uris: [redirectUri], client_name: clientName });
  expect(body.client_id).toBeDefined();
  const url = authorizationUrl(issuer, {
    client_id: body.client_id!,
    redirect_uri: redirectUri,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
  const browser = new Browser();
  const first = await browser.fetch(url);
  const location = first.headers.get('location');
  expect(location).toMatch(/\/oauth\/interaction\//);
  const page = await browser.fetch(new URL(location!, url));
  expect(page.status).toBe(200);
  return page.text();
}

test('the sign-in page names the redirect host, not the name the client chose', async () => {
  const html = await signInPage('http://127.0.0.1:9/cb', 'Claude (official)');
  expect(html).toContain('A client at <strong>127.0.0.1:9</strong> (an application on this computer)');
  expect(html).not.toContain('<strong>Claude (official)</strong>');
  // The chosen name only as an unverified remark.
  expect(html).toMatch(/calls itself “Claude \(official\)” \(unverified\)/);
});

test('the sign-in page escapes the redirect host and the chosen name', async () => {
  // A private-use scheme's host is opaque: quotes and ampersands survive URL parsing.
  const html = await signInPage('cursor://x"onmouseover=alert(1)&y/cb', '<img src=x onerror=alert(1)>');
  expect(html).toContain('<strong>cursor://x&quot;onmouseover=alert(1)&amp;y</strong>');
  expect(html).not.toContain('x"onmouseover');
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
});

const mcpCall = (accessToken: string) =>
  fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer ${accessToken}` },
    body: initialize(),
  });

async function issue() {
  const { clientId, exchange } = await codeExchangeFor(issuer, {
    redirectUri: REDIRECT,
    resource: server.mcpUrl.href,
    signIn: clickDevSignIn,
  });
  const first = await tokenRequest(issuer, exchange);
  expect(first.status).toBe(200);
  return { clientId, exchange, tokens: first.body };
}

async function expectRevoked(res: Response) {
  expect(res.status).toBe(401);
  await res.body?.cancel();
  const { params } = challengeOf(res);
  expect(params.error).toBe('invalid_token');
  expect(params.error_description).toBe('The access token was revoked');
}

test('a replayed code revokes the grant: its access token, already used (and cached), is refused at /mcp', async () => {
  const { exchange, tokens } = await issue();
  const accessToken = tokens.access_token!;
  expect(typeof loadJose().decodeJwt(accessToken).grant_id).toBe('string');
  const before = await mcpCall(accessToken);
  expect(before.status).toBe(200);
  await before.body?.cancel();
  const replay = await tokenRequest(issuer, exchange);
  expect(replay.status).toBe(400);
  expect(replay.body.error).toBe('invalid_grant');
  await expectRevoked(await mcpCall(accessToken));
  // The refresh token died with the grant as well (the library's own revocation).
  expect(
    (
      await tokenRequest(issuer, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: exchange.client_id,
      })
    ).body.error,
  ).toBe('invalid_grant');
});

test('a reused refresh token revokes the grant: every access token of the family is refused at /mcp', async () => {
  const { clientId, tokens } = await issue();
  const rotated = await tokenRequest(issuer, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token!,
    client_id: clientId,
  });
  expect(rotated.status).toBe(200);
  for (const t of [tokens.access_token!, rotated.body.access_token!]) {
    const res = await mcpCall(t);
    expect(res.status).toBe(200);
    await res.body?.cancel();
  }
  const reuse = await tokenRequest(issuer, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token!,
    client_id: clientId,
  });
  expect(reuse.body.error).toBe('invalid_grant');
  for (const t of [tokens.access_token!, rotated.body.access_token!]) await expectRevoked(await mcpCall(t));
});

test("another grant's tokens are untouched by a revocation", async () => {
  const victim = await issue();
  const bystander = await issue();
  await tokenRequest(issuer, victim.exchange);
  await expectRevoked(await mcpCall(victim.tokens.access_token!));
  const res = await mcpCall(bystander.tokens.access_token!);
  expect(res.status).toBe(200);
  await res.body?.cancel();
});

test('a client revoking its refresh token (RFC 7009) also ends its access token at /mcp', async () => {
  const { clientId, tokens } = await issue();
  const res = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: clientId }),
  });
  expect(res.status).toBe(200);
  await expectRevoked(await mcpCall(tokens.access_token!));
});
