/**
 * The local stack mimicking each platform host's proxy (stack/ `hostProfile`, facts in infra/shared/hosts.ts):
 * streams survive its idle timeout through keep-alives, and where the host caps a request's duration (Railway),
 * the cut stream of a long tool call is resumed with Last-Event-ID and no event is lost (stateful sessions in Redis).
 *
 * The limits are scaled down for test speed: every host's idle timeout (60 s) becomes 3 s with
 * MCP_KEEPALIVE_SECONDS=1 (the same ratio of keep-alive to idle timeout as 15 s under 60 s, and tighter), and
 * Railway's 15-minute request cap becomes 8 s.
 */
import { setDefaultCACertificates, getCACertificates } from 'node:tls';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { HOSTS, HOST_NAMES, type HostName } from '../../infra/shared/hosts';
import { startLocalStack, type LocalStack } from '../../stack/localStack';
import { InMemoryOAuthClient, clickDevSignIn, connectWithOAuth } from '../auth/helpers/oauthClient';

jest.setTimeout(90_000);

const IDLE_TIMEOUT_SECONDS = 3;
const KEEPALIVE_SECONDS = 1;
const REQUEST_CAP_SECONDS = 8;

const capOf = (host: HostName) => (HOSTS[host].requestCapSeconds !== undefined ? REQUEST_CAP_SECONDS : undefined);
let stack: LocalStack;
let oauth: InMemoryOAuthClient;

// One stack (two stateful instances sharing Redis) for all hosts: each host's block reloads nginx and the cap
// proxies with its limits (starting a stack takes far longer than the tests).
beforeAll(async () => {
  const first = HOST_NAMES[0];
  stack = await startLocalStack({
    instances: 2,
    hostProfile: first,
    idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
    keepAliveSeconds: KEEPALIVE_SECONDS,
    requestCapSeconds: capOf(first),
    drainSeconds: 5,
  });
  setDefaultCACertificates([...getCACertificates('default'), stack.certificatePem]);
  oauth = new InMemoryOAuthClient();
  await (await connectWithOAuth(stack.url, oauth, clickDevSignIn)).close();
});

afterAll(async () => {
  await stack?.stop();
});

describe.each(HOST_NAMES)('behind a proxy like %s', (host) => {
  const cap = capOf(host);
  beforeAll(async () => {
    await stack.mimic(host, { idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS, requestCapSeconds: cap });
  });

  async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(stack.url, { authProvider: oauth });
    const client = new Client({ name: `e2e-${host}`, version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }

  test(`keep-alives hold a quiet GET stream open past the idle timeout${cap ? ', until the request cap cuts it' : ''}`, async () => {
    expect(stack.limits).toEqual({
      hostProfile: host,
      idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      requestCapSeconds: cap,
    });
    const { client, transport } = await connect();
    const cutBefore = stack.requestsCut();
    const res = await fetch(stack.url, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${oauth.tokens()!.access_token}`,
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    const started = Date.now();
    // Two idle timeouts; where a cap applies, on until 3 s past it.
    const holdMs = (cap !== undefined ? cap + 3 : 2 * IDLE_TIMEOUT_SECONDS) * 1000;
    let endedAt: number | undefined;
    let pending = reader.read();
    while (Date.now() - started < holdMs) {
      const chunk = await Promise.race([
        pending.catch(() => ({ done: true as const, value: undefined })),
        new Promise<'wait'>((r) => setTimeout(() => r('wait'), 250)),
      ]);
      if (chunk === 'wait') continue;
      if (chunk.done) {
        endedAt = Date.now() - started;
        break;
      }
      pending = reader.read();
      if (new TextDecoder().decode(chunk.value).includes(': keepalive')) arrivals.push(Date.now() - started);
    }
    await reader.cancel().catch(() => undefined);
    await client.close();
    const gaps = [arrivals[0]!, ...arrivals.slice(1).map((t, i) => t - arrivals[i]!)];
    console.log(
      `${host}: keep-alives at ${arrivals.join(', ')} ms; stream ${endedAt === undefined ? `open after ${holdMs} ms` : `cut at ${endedAt} ms`}`,
    );
    // Quiet for longer than the idle timeout never happened: a comment came at least every idle timeout.
    expect(Math.max(...gaps)).toBeLessThan(IDLE_TIMEOUT_SECONDS * 1000);
    expect(arrivals.at(-1)!).toBeGreaterThan((cap ?? 2 * IDLE_TIMEOUT_SECONDS) * 1000 - IDLE_TIMEOUT_SECONDS * 1000);
    if (cap === undefined) {
      expect(endedAt).toBeUndefined();
      expect(stack.requestsCut()).toBe(cutBefore);
    } else {
      // Cut by the cap, not by the idle timeout: open well past the idle timeout, ended near the cap.
      expect(endedAt).toBeGreaterThanOrEqual(cap * 1000 - 500);
      expect(endedAt).toBeLessThan(cap * 1000 + 2500);
      expect(stack.requestsCut()).toBeGreaterThan(cutBefore);
    }
  });

  if (cap !== undefined) {
    test('a tool call longer than the request cap: the cut stream is resumed with Last-Event-ID and no progress event is lost', async () => {
      const { client } = await connect();
      const cutBefore = stack.requestsCut();
      const logBefore = stack.accessLog().length;
      const seconds = cap + 4;
      const progress: number[] = [];
      const tokens = new Set<string>();
      const result = await client.callTool({ name: 'countdown', arguments: { seconds } }, undefined, {
        timeout: 60_000,
        onprogress: (p) => void progress.push(p.progress),
        onresumptiontoken: (token) => void tokens.add(token),
      });
      await client.close();
      const lines = stack.accessLog().slice(logBefore);
      console.log(
        `${host}: countdown of ${seconds} s under a ${cap} s cap: ${stack.requestsCut() - cutBefore} request(s) cut; progress ${progress.join(',')}; requests ${lines.map((l) => `${l.split(' ').slice(0, 3).join(' ')} (Last-Event-ID ${l.split(' ')[6]})`).join(' | ')}`,
      );
      expect(JSON.stringify(result.content)).toContain(`Countdown of ${seconds} s finished.`);
      // Every progress event, once each, in order: the replay from the event store filled the cut.
      expect(progress).toEqual(Array.from({ length: seconds }, (_, i) => i + 1));
      expect(stack.requestsCut() - cutBefore).toBeGreaterThanOrEqual(1);
      // The resumption: a GET carrying Last-Event-ID (nginx logs the header last, `-` when absent).
      const resumed = lines.filter((l) => l.startsWith('GET /mcp 200') && l.split(' ')[6] !== '-');
      expect(resumed.length).toBeGreaterThanOrEqual(1);
      expect(tokens.size).toBeGreaterThanOrEqual(seconds);
    });
  }
});
