/**
 * Issue 17, point 2, the backstop: should the edge check and the SDK ever disagree again, a request the SDK drops
 * ("Unknown message type", no answer) still gets an error answer from the transport, and holds no drain slot.
 * The messages are handed to the transports directly, past the edge check, with the real server behind them.
 */
import { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { referenceCapabilities } from '../../server/capabilities/reference';
import { ClusterTransport } from '../../server/cluster/clusterTransport';
import { EventLog } from '../../server/cluster/eventLog';
import { DrainController } from '../../server/lifecycle/drain';
import { MultiplexTransport } from '../../server/mcp/multiplexTransport';
import { mcpServerFactory } from '../../server/mcp/serverFactory';
import { startRedis, type RedisServer } from '../helpers/redis';

const buildServer = mcpServerFactory(referenceCapabilities('0.0.0-test'), {
  sessionMode: 'stateful',
  version: '0.0.0-test',
});
/** Past the edge check: the SDK's schema drops it (its progress token is an object). */
const dropped = (id: number) =>
  ({ jsonrpc: '2.0', id, method: 'ping', params: { _meta: { progressToken: { x: 1 } } } }) as unknown as JSONRPCMessage;

test('stateless transport: the exchange gets an error answer and nothing stays pending', async () => {
  const server = buildServer();
  const transport = new MultiplexTransport();
  const errors: Error[] = [];
  transport.onerror = (err) => errors.push(err);
  await server.connect(transport);
  const written: [JSONRPCMessage, boolean][] = [];
  const sink = { write: (message: JSONRPCMessage, final: boolean) => void written.push([message, final]) };
  try {
    transport.dispatch(dropped(5), 'anonymous', sink, {});
    expect(written).toEqual([
      [{ jsonrpc: '2.0', id: 5, error: { code: -32600, message: expect.stringMatching(/Invalid Request/) } }, true],
    ]);
    expect(transport.pending).toBe(0);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/ping refused/)]);
    // A valid request on the same transport is still served.
    transport.dispatch({ jsonrpc: '2.0', id: 6, method: 'ping' }, 'anonymous', sink, {});
    await waitFor(() => written.length === 2);
    expect(written[1]).toEqual([{ jsonrpc: '2.0', id: 6, result: {} }, true]);
  } finally {
    await server.close();
  }
});

describe('clustered transport', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  test('the stream ends with an error answer and the drain slot is released', async () => {
    const log = new EventLog(client, client, 60);
    const drain = new DrainController();
    const server = buildServer();
    const transport = new ClusterTransport('session-1', 'instance-a', log, drain);
    await server.connect(transport);
    try {
      await transport.openStream('stream-1', [7]);
      expect(drain.inFlightCount).toBe(1);
      transport.deliver(dropped(7));
      await waitFor(() => drain.inFlightCount === 0);
      expect(drain.inFlightCount).toBe(0);
      expect(transport.running).toBe(0);
      const entries = await log.read('session-1', 'stream-1', '0');
      const last = entries.at(-1)!;
      expect(last.end).toBe(true);
      expect(last.message).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32600, message: expect.stringMatching(/Invalid Request/) },
      });
    } finally {
      await server.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
