/**
 * MCP at the root: `MCP_PUBLIC_URL` set to a bare origin (the most common client config, `{"url":
 * "https://mcp.example.com", "headers": {"Authorization": "Bearer …"}}`) serves MCP at `/`, with Protected Resource
 * Metadata, challenges and tokens in the form clients use (`https://host/`), and every other route beside it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadJose } from '../../server/auth/esm';
import { clickDevSignIn, connectWithOAuth, InMemoryOAuthClient } from '../auth/helpers/oauthClient';
import {
  challengeOf,
  freePort,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  type AuthTestServer,
} from '../auth/helpers/mcpServer';

const TOKEN = 'root-url-token-0123456789-abcdef';

/** The seed's client config shape: the bare origin as `url`, and an `Authorization` header. */
const seedConfig = (origin: string) => ({ url: origin, headers: { Authorization: `Bearer ${TOKEN}` } });

describe('token mode, MCP_PUBLIC_URL with a trailing slash', () => {
  let server: AuthTestServer;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = await startMcpServer({
      PORT: String(port),
      MCP_PUBLIC_URL: `${origin}/`,
      MCP_AUTH_MODE: 'token',
      MCP_BEARER_TOKENS: TOKEN,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('the SDK client with the seed config (bare origin + Authorization header) calls a tool at /', async () => {
    const config = seedConfig(origin);
    const paths: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return fetch(input, init);
    };
    const client = new Client({ name: 'jest', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
        fetch: recordingFetch,
      }),
    );
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'at the root' } });
    expect(JSON.stringify(echo.content)).toContain('at the root');
    await client.close();
    expect(new Set(paths)).toEqual(new Set(['/']));
  });

  test('POST / without the header is a 401 challenge, not a 404', async () => {
    const res = await fetch(`${origin}/`, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(401);
    expect(challengeOf(res).scheme).toBe('Bearer');
  });

  test('/mcp still serves MCP; the legacy /sse + /messages transport is unchanged', async () => {
    const viaMcp = new Client({ name: 'jest', version: '1.0.0' });
    await viaMcp.connect(
      new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
        requestInit: { headers: seedConfig(origin).headers },
      }),
    );
    expect((await viaMcp.listTools()).tools.map((t) => t.name)).toContain('echo');
    await viaMcp.close();

    const auth = seedConfig(origin).headers;
    const legacy = new Client({ name: 'jest', version: '1.0.0' });
    await legacy.connect(new SSEClientTransport(new URL(`${origin}/sse`), { requestInit: { headers: auth } }));
    const echo = await legacy.callTool({ name: 'echo', arguments: { text: 'legacy' } });
    expect(JSON.stringify(echo.content)).toContain('legacy');
    await legacy.close();
  });

  test('health routes work beside MCP at the root', async () => {
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${origin}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  test('a browser opening / is told where MCP is', async () => {
    for (const accept of ['text/html,application/xhtml+xml,*/*;q=0.8', undefined]) {
      const res = await fetch(`${origin}/`, { headers: accept ? { accept } : {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain(`Add ${origin}/ to your MCP client`);
      expect(text).toContain(`${origin}/sse`);
    }
  });
});

describe('a browser opening / when MCP is at /mcp', () => {
  let server: AuthTestServer;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = await startMcpServer({ PORT: String(port), MCP_AUTH_MODE: 'none' });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('GET / names the MCP URL instead of a bare JSON-RPC 404', async () => {
    const res = await fetch(`${origin}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`Add ${origin}/mcp to your MCP client`);
  });

  test('an unknown path still 404s, naming the MCP URL', async () => {
    const res = await fetch(`${origin}/nope`, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe(`Not found: the MCP endpoint is ${origin}/mcp`);
  });
});

// Written without the slash, as people type it: clients still parse it into `http://host/`.
describe('dev mode, MCP_PUBLIC_URL without a trailing slash: the SDK OAuth flow at the root', () => {
  let server: AuthTestServer;
  let origin: string;
  const provider = new InMemoryOAuthClient();
  let client: Client;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = await startMcpServer({ PORT: String(port), MCP_PUBLIC_URL: origin });
    client = await connectWithOAuth(new URL(origin), provider, clickDevSignIn);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  test('the 401 points to root metadata whose resource is the URL clients use', async () => {
    const res = await fetch(origin, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(401);
    const metadataUrl = challengeOf(res).params.resource_metadata!;
    expect(metadataUrl).toBe(`${origin}/.well-known/oauth-protected-resource`);
    const prm = (await (await fetch(metadataUrl)).json()) as { resource: string; authorization_servers: string[] };
    expect(prm.resource).toBe(`${origin}/`);
    expect(prm.resource).toBe(new URL(origin).href);
    expect(prm.authorization_servers).toEqual([`${origin}/oauth`]);
  });

  test('the token is issued for that resource and whoami runs at /', async () => {
    expect(provider.authorizationUrl!.searchParams.get('resource')).toBe(`${origin}/`);
    expect(loadJose().decodeJwt(provider.tokens()!.access_token).aud).toBe(`${origin}/`);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ subject: 'developer', issuer: `${origin}/oauth` });
  });

  test('OAuth and metadata routes keep working beside MCP at the root', async () => {
    const meta = await fetch(`${origin}/.well-known/oauth-authorization-server/oauth`);
    expect(meta.status).toBe(200);
    expect(((await meta.json()) as { issuer: string }).issuer).toBe(`${origin}/oauth`);
    expect((await fetch(`${origin}/oauth/jwks`)).status).toBe(200);
  });
});
