/**
 * The edge check (`envelopeProblem`) must accept exactly what the SDK's `JSONRPCMessageSchema` accepts: a message
 * it lets through and the SDK then drops is never answered (issue 17, point 2). A table of hostile shapes, then
 * thousands of seeded mutations of valid messages, each compared with the SDK's own verdict.
 */
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { checkBatch, envelopeProblem, MAX_BATCH_SIZE } from '../../server/mcp/jsonRpcEnvelope';

const sdkAccepts = (m: unknown) => JSONRPCMessageSchema.safeParse(m).success;
const TASK = 'io.modelcontextprotocol/related-task';

/** Shapes the probe found or that sit on a boundary of the schema; `field` is what the refusal must name. */
const TABLE: [string, unknown, string | undefined][] = [
  [
    'object progress token',
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { progressToken: {} } } },
    'params._meta.progressToken',
  ],
  [
    'null progress token',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: null } } },
    'params._meta.progressToken',
  ],
  [
    'boolean progress token',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: true } } },
    'params._meta.progressToken',
  ],
  [
    'fractional progress token',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: 1.5 } } },
    'params._meta.progressToken',
  ],
  ['array _meta', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: [] } }, 'params._meta'],
  ['null _meta', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: null } }, 'params._meta'],
  [
    'task without taskId',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { [TASK]: {} } } },
    `params._meta.${TASK}.taskId`,
  ],
  ['task null', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { [TASK]: null } } }, `params._meta.${TASK}`],
  ['id 1e308', { jsonrpc: '2.0', id: 1e308, method: 'ping' }, 'id'],
  ['id 2^53', { jsonrpc: '2.0', id: 2 ** 53, method: 'ping' }, 'id'],
  ['id 1.5', { jsonrpc: '2.0', id: 1.5, method: 'ping' }, 'id'],
  ['id null', { jsonrpc: '2.0', id: null, method: 'ping' }, 'id'],
  ['id object', { jsonrpc: '2.0', id: {}, method: 'ping' }, 'id'],
  ['extra member on a request', { jsonrpc: '2.0', id: 1, method: 'ping', extra: 1 }, 'extra'],
  ['__proto__ member', JSON.parse('{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"x":1}}'), '__proto__'],
  ['params array', { jsonrpc: '2.0', id: 1, method: 'ping', params: [] }, 'params'],
  ['params null', { jsonrpc: '2.0', id: 1, method: 'ping', params: null }, 'params'],
  ['method number', { jsonrpc: '2.0', id: 1, method: 7 }, 'method'],
  ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }, 'jsonrpc'],
  [
    'notification with bad token',
    { jsonrpc: '2.0', method: 'notifications/progress', params: { _meta: { progressToken: [] } } },
    'params._meta.progressToken',
  ],
  ['result with extra member', { jsonrpc: '2.0', id: 1, result: {}, extra: true }, 'extra'],
  ['result array', { jsonrpc: '2.0', id: 1, result: [] }, 'result'],
  [
    'result with bad _meta',
    { jsonrpc: '2.0', id: 1, result: { _meta: { progressToken: false } } },
    'result._meta.progressToken',
  ],
  ['result and error', { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } }, 'error'],
  ['error id null', { jsonrpc: '2.0', id: null, error: { code: 1, message: 'x' } }, 'id'],
  ['error code huge', { jsonrpc: '2.0', id: 1, error: { code: 1e308, message: 'x' } }, 'error.code'],
  ['error message missing', { jsonrpc: '2.0', id: 1, error: { code: 1 } }, 'error.message'],
  ['nothing but an id', { jsonrpc: '2.0', id: 1 }, 'method'],
  ['an array', [], 'message'],
  ['a string', 'ping', 'message'],
  // Accepted by the SDK: must be accepted here too.
  ['negative id', { jsonrpc: '2.0', id: -5, method: 'ping' }, undefined],
  ['empty method', { jsonrpc: '2.0', id: 'x', method: '' }, undefined],
  [
    'string token and extra _meta',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: 't', other: [1] }, a: 1 } },
    undefined,
  ],
  [
    'task with taskId',
    { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { [TASK]: { taskId: 'a', more: 1 } } } },
    undefined,
  ],
  [
    'error without id, extra data',
    { jsonrpc: '2.0', error: { code: -1, message: 'm', data: null, more: 1 } },
    undefined,
  ],
  ['notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, undefined],
  [
    '__proto__ inside params',
    JSON.parse('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"__proto__":{"_meta":1}}}'),
    undefined,
  ],
];

describe('the edge check agrees with the SDK schema', () => {
  test.each(TABLE)('%s', (_name, message, field) => {
    expect(envelopeProblem(message)).toBe(field);
    expect(sdkAccepts(message)).toBe(field === undefined);
  });

  test('on thousands of seeded mutations of valid messages', () => {
    const random = seeded(17);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1.5,
      1e308,
      2 ** 53,
      -(2 ** 53) + 1,
      '',
      'x',
      [],
      [1],
      {},
      { a: 1 },
      { taskId: 'a' },
      { taskId: 2 },
    ];
    const keys = [
      'jsonrpc',
      'id',
      'method',
      'params',
      'result',
      'error',
      '_meta',
      'progressToken',
      TASK,
      'taskId',
      'code',
      'message',
      'data',
      'extra',
    ];
    const seeds = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', _meta: { progressToken: 'p', [TASK]: { taskId: 't' } } },
      },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: {} } },
      { jsonrpc: '2.0', id: 'a', result: { _meta: { progressToken: 3 }, content: [] } },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'no', data: {} } },
    ];
    let disagreements: unknown[] = [];
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const message = structuredClone(pick(seeds)) as Record<string, unknown>;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) mutate(message, random, pick, keys, values);
      const ours = envelopeProblem(message) === undefined;
      if (!ours) rejected++;
      if (ours !== sdkAccepts(message)) disagreements.push(message);
    }
    disagreements = disagreements.slice(0, 5);
    expect(disagreements).toEqual([]);
    // The mutations do reach both verdicts (a generator that only made valid messages would prove nothing).
    expect(rejected).toBeGreaterThan(1000);
    expect(rejected).toBeLessThan(4900);
  });
});

describe('checkBatch', () => {
  const ping = (id: unknown) => ({ jsonrpc: '2.0', id, method: 'ping' });

  test('names the message and the field at fault', () => {
    const result = checkBatch([
      ping(1),
      { jsonrpc: '2.0', id: 2, method: 'ping', params: { _meta: { progressToken: {} } } },
    ]);
    expect(result).toEqual({
      refusal: {
        code: -32700,
        message:
          'Parse error: Invalid JSON-RPC message (message 1): invalid or unexpected field "params._meta.progressToken"',
      },
    });
  });

  test('caps batches at the shared bound and refuses an id used twice', () => {
    expect(MAX_BATCH_SIZE).toBe(100);
    expect(checkBatch(Array.from({ length: 100 }, (_, i) => ping(i)))).toHaveProperty('messages');
    expect(checkBatch(Array.from({ length: 101 }, (_, i) => ping(i)))).toEqual({
      refusal: { code: -32600, message: 'Invalid Request: Batch must not exceed 100 messages' },
    });
    expect(checkBatch([ping(7), ping('7'), ping(8), ping(7)])).toEqual({
      refusal: { code: -32600, message: 'Invalid Request: request id 7 appears twice in the batch' },
    });
    // `1` and `"1"` are different ids; a notification carries none.
    expect(checkBatch([ping(1), ping('1'), { jsonrpc: '2.0', method: 'notifications/initialized' }])).toHaveProperty(
      'messages',
    );
  });

  test('a field name from the client is bounded in the answer', () => {
    const long = 'k'.repeat(5000);
    const result = checkBatch({ jsonrpc: '2.0', id: 1, method: 'ping', [long]: 1 }) as { refusal: { message: string } };
    expect(result.refusal.message.length).toBeLessThan(200);
  });
});

function mutate(
  root: Record<string, unknown>,
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
  keys: string[],
  values: unknown[],
): void {
  // Walk to a random object inside the message, then set, delete or replace one member.
  let target: Record<string, unknown> = root;
  for (let depth = 0; depth < 3 && random() < 0.6; depth++) {
    const inner = Object.values(target).filter(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    if (inner.length === 0) break;
    target = pick(inner);
  }
  const existing = Object.keys(target);
  const roll = random();
  if (roll < 0.3 && existing.length > 0) delete target[pick(existing)];
  else if (roll < 0.7 && existing.length > 0) target[pick(existing)] = structuredClone(pick(values));
  else target[pick(keys)] = structuredClone(pick(values));
}

/** A small deterministic generator (mulberry32): the same cases on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
