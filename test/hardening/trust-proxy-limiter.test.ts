/**
 * The failed-auth limiter counts the address the trusted proxy saw, never one the client wrote: by default no
 * `X-Forwarded-For` is believed (a directly exposed container), with one hop (behind the ALB or Cloud Run) the
 * right-most entry — the one that proxy appended — and "trust every hop" is refused.
 */
import { PROXY_HOPS_BEHIND_LOAD_BALANCER, ENV, serverEnvironment } from '../../server/config/contract';
import { ConfigError, loadConfig } from '../../server/config/env';
import { MCP_HEADERS, startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

const TOKEN = 'the-right-token-0123456789abcdef';
/** `FailureLimiter`'s default failures per window. */
const LIMIT = 60;

async function failWith(server: TestServer, forwardedFor: string): Promise<number> {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      ...MCP_HEADERS,
      authorization: 'Bearer a-wrong-guess-0123456789abcdef',
      'x-forwarded-for': forwardedFor,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.each([
  ['default settings', {}],
  ['MCP_TRUST_PROXY=false', { MCP_TRUST_PROXY: 'false' }],
])('failed-auth limiter, %s', (_name, env) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: TOKEN, ...env });
  });
  afterAll(async () => server?.close());

  test('rotating X-Forwarded-For does not escape the failure limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 5; i++) statuses.push(await failWith(server, `198.51.100.${i % 250}`));
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429, 429, 429]);
  });
});

describe(`failed-auth limiter, MCP_TRUST_PROXY=${PROXY_HOPS_BEHIND_LOAD_BALANCER} (behind a load balancer)`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      MCP_AUTH_MODE: 'token',
      MCP_BEARER_TOKENS: TOKEN,
      MCP_TRUST_PROXY: String(PROXY_HOPS_BEHIND_LOAD_BALANCER),
    });
  });
  afterAll(async () => server?.close());

  test('keys on the right-most address (the one the proxy appended), whatever the client wrote before it', async () => {
    const statuses: number[] = [];
    // The client forges a new left part each time; the proxy (here: the test) appends the real address.
    for (let i = 0; i < LIMIT + 3; i++) statuses.push(await failWith(server, `10.0.${i}.1, 203.0.113.7`));
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
    // Another client behind the same proxy has its own count.
    expect(await failWith(server, '203.0.113.7, 203.0.113.8')).toBe(401);
  });
});

describe('MCP_TRUST_PROXY values', () => {
  const base = { HOST: '127.0.0.1', MCP_AUTH_MODE: 'none' };

  test('defaults to 0 hops (X-Forwarded-For ignored); a hop count and addresses are taken', () => {
    expect(loadConfig(base).trustProxy).toBe(0);
    expect(loadConfig({ ...base, MCP_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...base, MCP_TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
  });

  test('"true" (every hop, the client-written left-most entry) is refused in one line naming the hop count', () => {
    expect(() => loadConfig({ ...base, MCP_TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, MCP_TRUST_PROXY: 'true' })).toThrow(
      /MCP_TRUST_PROXY=true: give the number of proxies/,
    );
  });

  test('infrastructure deploys behind a load balancer with its hop count', () => {
    expect(serverEnvironment({})[ENV.trustProxy]).toBe(String(PROXY_HOPS_BEHIND_LOAD_BALANCER));
    expect(PROXY_HOPS_BEHIND_LOAD_BALANCER).toBe(1);
  });
});
