/**
 * A wrong Redis password must not reach the log: ioredis attaches the failed command to its errors, and for
 * `AUTH` (sent on every connect) its arguments are the password.
 */
import { createLogger } from '../../server/logging/logger';
import { startTestServer, type TestServer } from '../helpers/server';
import { redisProcess, waitUntil, type RedisProcess } from './redisProcess';

jest.setTimeout(60_000);

const PASSWORD = 'right-password-7f3a9c';
const WRONG = 'wrong-password-4b8e21';

describe('a wrong Redis password', () => {
  let redis: RedisProcess;
  let server: TestServer | undefined;

  beforeAll(async () => {
    redis = await redisProcess({ password: PASSWORD });
    await redis.start();
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  test('appears nowhere in the logs, while the Redis errors themselves are logged', async () => {
    server = await startTestServer({
      MCP_SESSION_MODE: 'stateful',
      REDIS_URL: redis.url(WRONG),
      MCP_KEEPALIVE_SECONDS: '1',
    });
    // Requests and streams that touch the store log their failures too.
    const res = await fetch(new URL('/readyz', server.baseUrl));
    expect(res.status).toBe(503);
    await fetch(new URL('/sse', server.baseUrl), {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(1500),
    }).catch(() => undefined);
    await waitUntil(() => /could not subscribe/.test(server!.rawLogs()), 20_000, 'the subscription failure logged');
    const logs = server.rawLogs();
    expect(logs).toMatch(/WRONGPASS|NOAUTH|invalid username-password/);
    expect(logs).not.toContain(WRONG);
    expect(logs).not.toContain(encodeURIComponent(WRONG));
  });

  test("the logger's error serializer drops what a library attaches to an error (any logger of the app)", () => {
    let out = '';
    const logger = createLogger({ destination: { write: (s: string) => void (out += s) } });
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: [WRONG] },
    });
    logger.warn({ err }, 'store error');
    expect(out).toContain('WRONGPASS');
    expect(out).not.toContain(WRONG);
  });
});
