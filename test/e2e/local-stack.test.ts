/**
 * End to end through the production-like local stack (`stack/`): nginx terminating TLS and spreading requests
 * round-robin with a short idle timeout, three stateful instances sharing Redis, the development authorization
 * server — driven by the SDK's client with its own OAuth flow.
 */
import { setDefaultCACertificates, getCACertificates } from 'node:tls';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { KEYS } from '../../server/cluster/keys';
import { startLocalStack, type LocalStack } from '../../stack/localStack';
import { InMemoryOAuthClient, clickDevSignIn, connectWithOAuth } from '../auth/helpers/oauthClient';
import { waitFor } from '../helpers/wait';

jest.setTimeout(200_000);

const IDLE_TIMEOUT_SECONDS = 4;
const KEEPALIVE_SECONDS = 1;

let stack: LocalStack;
let oauth: InMemoryOAuthClient;
let redis: Redis;

beforeAll(async () => {
  stack = await startLocalStack({
    instances: 3,
    idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
    keepAliveSeconds: KEEPALIVE_SECONDS,
    drainSeconds: 15,
  });
  // Trust the stack's self-signed certificate, as a user would (NODE_EXTRA_CA_CERTS for Node clients).
  setDefaultCACertificates([...getCACertificates('default'), stack.certificatePem]);
  oauth = new InMemoryOAuthClient();
  // One sign-in for the whole suite: the SDK's OAuth flow (401 → metadata → registration → authorize → token).
  const first = await connectWithOAuth(stack.url, oauth, clickDevSignIn);
  await first.close();
  redis = new Redis(stack.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(stack.url, { authProvider: oauth });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** Requests per instance port in nginx's access log lines (the upstream that answered). */
function perInstance(lines: string[]): Map<number, number> {
  const counts = new Map<number, number>(stack.instances.map((i) => [i.port, 0]));
  for (const line of lines) {
    const upstream = line.split(' ')[3] ?? '';
    // With a retry nginx lists every upstream tried: the last one answered.
    const port = Number(upstream.split(', ').at(-1)?.split(':')[1]);
    if (counts.has(port)) counts.set(port, counts.get(port)! + 1);
  }
  return counts;
}

test("one session's requests spread over all instances through the proxy, and all succeed", async () => {
  const before = stack.accessLog().length;
  const { client } = await connect();
  for (let i = 0; i < 30; i++) {
    const result = await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
    expect(JSON.stringify(result.content)).toContain(`call ${i}`);
  }
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  expect(JSON.stringify(who.content)).toContain('developer');
  await client.close();
  const lines = stack
    .accessLog()
    .slice(before)
    .filter((l) => l.startsWith('POST /mcp '));
  expect(lines.every((l) => / (200|202) /.test(l))).toBe(true);
  const counts = perInstance(lines);
  console.log(`spread: ${lines.length} POSTs of one session → per instance ${[...counts.values()].join(' / ')}`);
  for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(8);
});

test('no access token ever reaches the shared store', async () => {
  const token = oauth.tokens()!.access_token;
  const { client } = await connect();
  await client.callTool({ name: 'whoami', arguments: {} });
  await client.close();
  let everything = '';
  const types = new Map<string, number>();
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    types.set(type, (types.get(type) ?? 0) + 1);
    everything += key;
    // Every key type is read: a credential in a type the scan skipped would pass unseen.
    if (type === 'string') everything += await redis.get(key);
    else if (type === 'hash') everything += JSON.stringify(await redis.hgetall(key));
    else if (type === 'list') everything += JSON.stringify(await redis.lrange(key, 0, -1));
    else if (type === 'set') everything += JSON.stringify(await redis.smembers(key));
    else if (type === 'zset') everything += JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'));
    else if (type === 'stream') everything += JSON.stringify(await redis.xrange(key, '-', '+'));
    else if (type !== 'none') throw new Error(`key ${key} has type ${type}, which this scan cannot read`); // 'none': expired meanwhile
  }
  console.log(`store scan: ${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}, ${everything.length} characters`);
  expect(everything.length).toBeGreaterThan(1000);
  expect(everything).toContain('developer'); // the principal is there (whoami's answer)…
  expect(everything).not.toContain(token); // …its credential is not
  expect(everything).not.toContain(token.split('.')[2]!);
});

test('keep-alives hold an idle stream open past the proxy idle timeout', async () => {
  const { client, transport } = await connect();
  const token = oauth.tokens()!.access_token;
  const res = await fetch(stack.url, {
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-session-id': transport.sessionId!,
      'mcp-protocol-version': '2025-11-25',
    },
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const arrivals: number[] = [];
  const started = Date.now();
  const holdMs = 3 * IDLE_TIMEOUT_SECONDS * 1000;
  let ended = false;
  let pending = reader.read();
  while (Date.now() - started < holdMs) {
    const chunk = await Promise.race([pending, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 500))]);
    if (chunk === 'wait') continue;
    pending = reader.read();
    if (chunk.done) {
      ended = true;
      break;
    }
    if (new TextDecoder().decode(chunk.value).includes(': keepalive')) arrivals.push(Date.now() - started);
  }
  await reader.cancel().catch(() => undefined);
  await client.close();
  // Open for three idle timeouts, with comments far more often than the proxy's cut-off.
  expect(ended).toBe(false);
  // (At least one every two intervals even on a loaded machine; the gaps below are what the proxy sees.)
  expect(arrivals.length).toBeGreaterThanOrEqual(holdMs / 1000 / KEEPALIVE_SECONDS / 2);
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
  expect(Math.max(...gaps)).toBeLessThan(IDLE_TIMEOUT_SECONDS * 1000);
});

test('kill -9 of the instance running a countdown: the client resumes on another and misses no progress event', async () => {
  const { client, transport } = await connect();
  const progress: number[] = [];
  let streamId: string | undefined;
  const call = client.callTool({ name: 'countdown', arguments: { seconds: 10 } }, undefined, {
    timeout: 60_000,
    onprogress: (p) => void progress.push(p.progress),
    onresumptiontoken: (token) => (streamId ??= token.slice(0, token.lastIndexOf('/'))),
  });
  const outcome = call.then(
    (result) => ({ result, error: undefined as Error | undefined }),
    (error: Error) => ({ result: undefined, error }),
  );
  await waitFor(() => progress.length >= 3, 15_000, 'three progress events', 50);
  // The stream id names the instance running the call (and holding the client's stream).
  const ownerId = streamId!.split('.')[0];
  const victim = stack.instances.findIndex((i) => i.instanceId() === ownerId);
  expect(victim).toBeGreaterThanOrEqual(0);
  const killedAt = Date.now();
  stack.instances[victim]!.child.kill('SIGKILL');

  const { error } = await outcome;
  const endedAfter = Date.now() - killedAt;
  // What the instance produced before it died is in the store; the client received every event of it.
  const stored = await redis.xrange(KEYS.events(transport.sessionId!, streamId!), '-', '+');
  const storedProgress = stored
    .map(([, fields]) => fields)
    .filter((f) => f[0] === 'm' && f[1]!.includes('notifications/progress'))
    .map((f) => (JSON.parse(f[1]!) as { params: { progress: number } }).params.progress);
  const lost = storedProgress.filter((p) => !progress.includes(p));
  console.log(
    `kill -9: ${storedProgress.length} progress events produced before the kill, ${progress.length} received, lost ${lost.length}; ` +
      `call ended ${endedAfter} ms after the kill: ${error?.message ?? 'completed'}`,
  );
  expect(lost).toEqual([]);
  expect(progress).toEqual(storedProgress);
  expect(progress.length).toBeGreaterThanOrEqual(3);
  // The work itself died with its instance: the client is told at once to call again, instead of waiting forever.
  expect(error?.message).toMatch(/stopped before answering; call again/);
  expect(endedAfter).toBeLessThan(15_000);
  // The resumed stream was served by another instance: the proxy's log for the GETs that resumed this very stream
  // (their Last-Event-ID names it), not any GET of the run.
  const resumes = stack
    .accessLog()
    .filter((l) => l.startsWith('GET /mcp ') && (l.split(' ')[6] ?? '').startsWith(`${streamId}/`));
  console.log(`kill -9: resuming GETs in the proxy log:\n  ${resumes.join('\n  ')}`);
  const answered = resumes.filter((l) => l.split(' ')[2] === '200');
  expect(answered.length).toBeGreaterThanOrEqual(1);
  const victimPort = stack.instances[victim]!.port;
  for (const line of answered) {
    const [port] = [...perInstance([line]).entries()].find(([, n]) => n > 0) ?? [];
    expect(port).toBeDefined();
    expect(port).not.toBe(victimPort);
  }
  await client.close().catch(() => undefined);
  await stack.restartInstance(victim);
});

test('rolling restart (SIGTERM one instance at a time) under load: zero failed requests', async () => {
  const before = stack.accessLog().length;
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const worker = async (n: number) => {
    const { client } = await connect();
    for (let i = 0; !stop; i++) {
      try {
        if (i % 5 === 4)
          await client.callTool({ name: 'countdown', arguments: { seconds: 1 } }, undefined, { timeout: 30_000 });
        else await client.callTool({ name: 'echo', arguments: { text: `w${n}-${i}` } });
        ok++;
      } catch (err) {
        failures.push(`worker ${n} call ${i}: ${(err as Error).message}`);
      }
    }
    await client.close().catch(() => undefined);
  };
  const workers = Array.from({ length: 6 }, (_, n) => worker(n));
  await new Promise((r) => setTimeout(r, 1000));
  const restarts: number[] = [];
  for (let i = 0; i < stack.instances.length; i++) {
    const t = Date.now();
    await stack.restartInstance(i); // SIGTERM, drain, exit, start again, ready
    restarts.push(Date.now() - t);
    await new Promise((r) => setTimeout(r, 500));
  }
  stop = true;
  await Promise.all(workers);
  const lines = stack.accessLog().slice(before);
  const counts = perInstance(lines.filter((l) => l.startsWith('POST /mcp ')));
  const retried = lines.filter((l) => l.split(' ')[3]?.includes(',')).length;
  console.log(
    `rolling restart: ${ok} calls succeeded, ${failures.length} failed; restarts took ${restarts.join(' / ')} ms; ` +
      `POSTs per instance ${[...counts.values()].join(' / ')}; ${retried} requests retried by the proxy on another instance`,
  );
  expect(failures).toEqual([]);
  expect(ok).toBeGreaterThan(100);
});
