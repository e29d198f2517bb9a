/**
 * The attack matrix, in `oauth` mode against a real external authorization server: every forged, misdirected or
 * misplaced credential is refused with the right status and challenge. Tokens are built with jose; where only
 * one claim is wrong they are signed with the authorization server's REAL key, so nothing but that claim fails.
 */
import { createHash } from 'node:crypto';
import { loadJose } from '../../server/auth/esm';
import { startAuthorizationServer, type TestAuthorizationServer } from './helpers/authorizationServer';
import {
  challengeOf,
  freePort,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  toolCall,
  type AuthTestServer,
} from './helpers/mcpServer';
import { obtainToken, signInAs } from './helpers/oauthClient';

const jose = loadJose();
let as: TestAuthorizationServer;
let server: AuthTestServer;
let mcpUrl: string;
let otherResource: string;
let metadataUrl: string;
const now = () => Math.floor(Date.now() / 1000);
const secrets: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  otherResource = `http://127.0.0.1:${port + 1}/mcp`;
  metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  as = await startAuthorizationServer({
    resources: [mcpUrl, otherResource],
    scopes: ['mcp:tools', 'mcp:long-running'],
  });
  server = await startMcpServer({
    PORT: String(port),
    MCP_AUTH_MODE: 'oauth',
    OAUTH_ISSUER: as.issuer,
    OAUTH_SCOPES: 'mcp:tools',
  });
});

afterAll(async () => {
  await server?.close();
  await as?.close();
});

/** Claims of a good token for this server; each attack changes one thing. */
const good = (extra: Record<string, unknown> = {}) => ({
  iss: as.issuer,
  aud: mcpUrl,
  sub: 'mallory',
  client_id: 'client-1',
  scope: 'mcp:tools',
  iat: now(),
  exp: now() + 300,
  ...extra,
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function post(headers: Record<string, string>, body = initialize(), url = mcpUrl): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body });
}
const bearer = (token: string) => {
  secrets.push(token);
  return { authorization: `Bearer ${token}` };
};

/** Checks the refusal: status, challenge, a JSON-RPC error body without stack or token. */
async function expectRefused(res: Response, status: number, error: string | undefined, description?: RegExp) {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  const { scheme, params } = challengeOf(res);
  expect(scheme).toBe('Bearer');
  expect(params.error).toBe(error);
  expect(params.resource_metadata).toBe(metadataUrl);
  if (description) expect(params.error_description).toMatch(description);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = JSON.parse(text) as { jsonrpc: string; id: null; error: { code: number; message: string } };
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
  expect(text).not.toMatch(/stack|at \w+ \(|node_modules/);
  for (const secret of secrets) expect(text).not.toContain(secret);
  return params;
}

test('a good token is accepted (the baseline every attack differs from)', async () => {
  const res = await post(bearer(await as.sign(good())));
  expect(res.status).toBe(200);
});

test('missing token → 401, no error code, scope and resource_metadata', async () => {
  const params = await expectRefused(await post({}), 401, undefined);
  expect(params.scope).toBe('mcp:tools');
});

test('another scheme (Basic) → 401 as if no token was sent', async () => {
  await expectRefused(await post({ authorization: 'Basic YWxpY2U6c2VjcmV0' }), 401, undefined);
});

test.each([['Bearer'], ['Bearer '], ['Bearer two tokens'], ['Bearer tok"en'], ['Bearer ' + 'a'.repeat(13_000)]])(
  'malformed Authorization header %# → 401 invalid_request',
  async (header) => {
    await expectRefused(await post({ authorization: header }), 401, 'invalid_request', /Malformed/);
  },
);

test('alg: none → 401 invalid_token', async () => {
  const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: as.key.kid })}.${b64(good())}.`;
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /algorithm is not allowed/);
});

test('HS256 signed with the public key (PEM and JWK forms) → 401 invalid_token', async () => {
  const publicKey = await jose.importJWK(as.key.publicJwk, 'RS256');
  const pem = await jose.exportSPKI(publicKey as Parameters<typeof jose.exportSPKI>[0]);
  for (const secret of [pem, JSON.stringify(as.key.publicJwk), as.key.publicJwk.n!]) {
    const token = await as.sign(good(), { alg: 'HS256', key: new TextEncoder().encode(secret) });
    await expectRefused(await post(bearer(token)), 401, 'invalid_token', /algorithm is not allowed/);
  }
});

test('bad signature (another key under the real kid) → 401 invalid_token', async () => {
  const { privateKey } = await jose.generateKeyPair('RS256');
  const token = await as.sign(good(), { key: privateKey });
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /signature is invalid/);
});

test('tampered payload (real signature, changed subject) → 401 invalid_token', async () => {
  const [header, , signature] = (await as.sign(good())).split('.');
  const token = `${header}.${b64(good({ sub: 'admin' }))}.${signature}`;
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /signature is invalid/);
});

test('wrong issuer → 401 invalid_token', async () => {
  const token = await as.sign(good({ iss: 'https://evil.example' }));
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /issued by another authorization server/);
});

test.each([
  ['an OAuth client id (ID-token style)', 'client-1'],
  ['the MCP URL with a trailing slash', 'MCP_URL/'],
  ['the MCP server origin', 'ORIGIN'],
  ['no audience', undefined],
])('wrong audience: %s → 401 invalid_token', async (_name, aud) => {
  const value = aud === 'MCP_URL/' ? `${mcpUrl}/` : aud === 'ORIGIN' ? new URL(mcpUrl).origin : aud;
  const token = await as.sign(good({ aud: value }));
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /not issued for this resource/);
});

test('a real token the authorization server issued for another resource (RFC 8707) → 401 invalid_token', async () => {
  const tokens = await obtainToken(as.issuer, otherResource, 'mcp:tools', signInAs('alice'));
  expect(jose.decodeJwt(tokens.access_token).aud).toBe(otherResource);
  await expectRefused(await post(bearer(tokens.access_token)), 401, 'invalid_token', /not issued for this resource/);
  // The same authorization server's token for THIS resource works.
  const mine = await obtainToken(as.issuer, mcpUrl, 'mcp:tools', signInAs('alice'));
  expect((await post(bearer(mine.access_token))).status).toBe(200);
});

test('expired → 401 invalid_token; within the clock tolerance → accepted', async () => {
  const expired = await as.sign(good({ iat: now() - 600, exp: now() - 120 }));
  await expectRefused(await post(bearer(expired)), 401, 'invalid_token', /expired/);
  const skewed = await as.sign(good({ iat: now() - 600, exp: now() - 10 }));
  expect((await post(bearer(skewed))).status).toBe(200);
});

test('not yet valid (nbf in the future) → 401 invalid_token', async () => {
  const token = await as.sign(good({ nbf: now() + 600 }));
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /not valid yet/);
});

test('no expiry → 401 invalid_token', async () => {
  const token = await as.sign(good({ exp: undefined }));
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /expiry/);
});

test('not an access token (typ logout+jwt) → 401 invalid_token', async () => {
  const token = await as.sign(good(), { typ: 'logout+jwt' });
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /not an access token/);
});

test('a sender-constrained token (cnf, DPoP-bound) presented as a bearer token → 401 invalid_token', async () => {
  const token = await as.sign(good({ cnf: { jkt: 'e'.repeat(43) } }));
  await expectRefused(await post(bearer(token)), 401, 'invalid_token', /Sender-constrained/);
});

test('unknown kids → 401 invalid_token, with at most one JWKS refetch per cooldown (no amplification)', async () => {
  const before = as.jwksRequests();
  const { privateKey } = await jose.generateKeyPair('RS256');
  for (let i = 0; i < 5; i++) {
    const token = await as.sign(good(), { key: privateKey, kid: `rotated-key-${i}` });
    await expectRefused(await post(bearer(token)), 401, 'invalid_token', /unknown key/);
  }
  expect(as.jwksRequests() - before).toBeLessThanOrEqual(1);
});

test('a key embedded in the token header (jwk) is never trusted → 401 invalid_token', async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  const token = await new jose.SignJWT(good())
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', jwk })
    .sign(privateKey);
  await expectRefused(await post(bearer(token)), 401, 'invalid_token');
});

test('an opaque token (no introspection configured) → 401 invalid_token', async () => {
  await expectRefused(await post(bearer('opaque-token-value-1234567890')), 401, 'invalid_token', /not a JWT/);
});

test('token in the query string → 400 invalid_request, even a valid one', async () => {
  const token = await as.sign(good());
  secrets.push(token);
  const res = await post({}, initialize(), `${mcpUrl}?access_token=${token}`);
  await expectRefused(res, 400, 'invalid_request', /only in the Authorization header/);
  expect(server.logs()).toContain('access_token=[redacted]');
});

test('token in the body → 400 invalid_request', async () => {
  const token = await as.sign(good());
  secrets.push(token);
  const body = JSON.stringify({ ...JSON.parse(initialize()), access_token: token });
  await expectRefused(await post({}, body), 400, 'invalid_request');
});

test('a scope missing for a tool: countdown without mcp:long-running → 403 insufficient_scope naming it', async () => {
  const token = await as.sign(good());
  const headers = { ...bearer(token), 'mcp-protocol-version': '2025-11-25' };
  const params = await expectRefused(
    await post(headers, toolCall('countdown', { seconds: 1 })),
    403,
    'insufficient_scope',
    /mcp:long-running/,
  );
  expect(params.scope).toBe('mcp:tools mcp:long-running');
  // In a batch too.
  const batch = `[${toolCall('echo', { text: 'a' }, 1)},${toolCall('countdown', { seconds: 1 }, 2)}]`;
  await expectRefused(await post(headers, batch), 403, 'insufficient_scope');
  // Other tools are fine with the same token.
  expect((await post(headers, toolCall('echo', { text: 'hi' }))).status).toBe(200);
  // And with the scope, countdown runs.
  const full = await as.sign(good({ scope: 'mcp:tools mcp:long-running' }));
  expect(
    (await post({ ...bearer(full), 'mcp-protocol-version': '2025-11-25' }, toolCall('countdown', { seconds: 1 })))
      .status,
  ).toBe(200);
});

test('the server-wide scope missing → 403 insufficient_scope naming OAUTH_SCOPES', async () => {
  for (const scope of [undefined, 'mcp:long-running']) {
    const params = await expectRefused(await post(bearer(await as.sign(good({ scope })))), 403, 'insufficient_scope');
    expect(params.scope).toBe('mcp:tools');
  }
  // `scp` (array form, Okta / Entra style) counts too.
  expect((await post(bearer(await as.sign(good({ scope: undefined, scp: ['mcp:tools'] }))))).status).toBe(200);
});

test('legacy SSE endpoints are guarded the same way', async () => {
  const origin = new URL(mcpUrl).origin;
  await expectRefused(await fetch(`${origin}/sse`, { headers: { accept: 'text/event-stream' } }), 401, undefined);
  await expectRefused(
    await fetch(`${origin}/messages?sessionId=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: initialize(),
    }),
    401,
    undefined,
  );
});

test('the JWKS endpoint down: cached keys keep working, unknown keys are still refused (not 503)', async () => {
  as.setJwksAvailable(false);
  try {
    expect((await post(bearer(await as.sign(good())))).status).toBe(200);
    const { privateKey } = await jose.generateKeyPair('RS256');
    await expectRefused(
      await post(bearer(await as.sign(good(), { key: privateKey, kid: 'while-down' }))),
      401,
      'invalid_token',
    );
  } finally {
    as.setJwksAvailable(true);
  }
});

test('logs name the reason but never a token', () => {
  const logs = server.logs();
  expect(logs).toContain('The access token was not issued for this resource');
  for (const secret of secrets) {
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(createHash('sha256').update(secret).digest('hex'));
  }
});
