/**
 * 2026-07-28 `requestState` (multi round-trip requests): HMAC-signed under MCP_REQUEST_STATE_KEYS, bound to the
 * principal, an expiry and the original call. Forged, expired, another principal's or another call's state is
 * refused with the spec's -32602 and the tool never runs; a retry that lands on another instance with the same keys
 * completes; rotation keeps old state verifiable.
 */
import { startTestServer, type TestServer } from '../helpers/server';
import { modernPost, type ModernAnswer } from './helpers';

jest.setTimeout(60_000);

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef01';
const KEY_OLD = 'o'.repeat(32);
const KEY_NEW = 'n'.repeat(48);
const ACCEPT = { confirm: { action: 'accept', content: { confirm: true } } };

const env = (keys: string) => ({
  MCP_AUTH_MODE: 'token',
  MCP_BEARER_TOKENS: `${ALICE},${BOB}`,
  MCP_REQUEST_STATE_KEYS: keys,
});

let first: TestServer;
let second: TestServer;
let stranger: TestServer;
let rotated: TestServer;
beforeAll(async () => {
  [first, second, stranger, rotated] = await Promise.all([
    startTestServer(env(KEY_OLD)),
    startTestServer(env(KEY_OLD)),
    startTestServer(env('x'.repeat(32))),
    startTestServer(env(`${KEY_NEW},${KEY_OLD}`)),
  ]);
});
afterAll(async () => {
  await Promise.all([first, second, stranger, rotated].map((s) => s?.close()));
});

const confirm = (server: TestServer, token: string, extra: Record<string, unknown> = {}, action = 'ship it') =>
  modernPost(server.mcpUrl, {
    method: 'tools/call',
    token,
    params: { name: 'confirm', arguments: { action }, ...extra },
  });

async function askedState(server: TestServer, token = ALICE, action = 'ship it'): Promise<string> {
  const asked = await confirm(server, token, {}, action);
  expect(asked.status).toBe(200);
  expect(asked.body.result?.resultType).toBe('input_required');
  expect(Object.keys((asked.body.result as { inputRequests: object }).inputRequests)).toEqual(['confirm']);
  return asked.body.result!.requestState!;
}

function expectRefused(answer: ModernAnswer): void {
  expect(answer.body.result).toBeUndefined();
  expect(answer.body.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
}

test('a retry that lands on another instance with the same keys completes', async () => {
  const state = await askedState(first);
  const done = await confirm(second, ALICE, { requestState: state, inputResponses: ACCEPT });
  expect(done.body.result?.resultType ?? 'complete').toBe('complete');
  expect(done.body.result?.content).toEqual([{ type: 'text', text: 'ship it: confirmed' }]);
});

test('rotation: an instance whose keys list the old key after the new one still verifies old state', async () => {
  const state = await askedState(first);
  const done = await confirm(rotated, ALICE, { requestState: state, inputResponses: ACCEPT });
  expect(done.body.result?.content).toEqual([{ type: 'text', text: 'ship it: confirmed' }]);
  // …and what it signs (with the new key) is refused where only the old key is known.
  const signedNew = await askedState(rotated);
  expectRefused(await confirm(first, ALICE, { requestState: signedNew, inputResponses: ACCEPT }));
});

test('forged state (one character changed, or signed with another key) is refused, the tool never runs', async () => {
  const state = await askedState(first);
  const last = state.at(-2) === 'A' ? 'B' : 'A';
  const tampered = `${state.slice(0, -2)}${last}${state.at(-1)}`;
  expectRefused(await confirm(first, ALICE, { requestState: tampered, inputResponses: ACCEPT }));
  expectRefused(await confirm(stranger, ALICE, { requestState: state, inputResponses: ACCEPT }));
  expectRefused(await confirm(first, ALICE, { requestState: 'v1.e30.AAAA', inputResponses: ACCEPT }));
});

test("another principal's state is refused", async () => {
  const state = await askedState(first, ALICE);
  expectRefused(await confirm(first, BOB, { requestState: state, inputResponses: ACCEPT }));
});

test('state of one call cannot complete another (bound to the original request)', async () => {
  const state = await askedState(first, ALICE, 'ship it');
  expectRefused(await confirm(first, ALICE, { requestState: state, inputResponses: ACCEPT }, 'delete production'));
});

test('expired state is refused', async () => {
  const state = await askedState(first);
  const now = Date.now();
  const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 11 * 60 * 1000);
  try {
    expectRefused(await confirm(first, ALICE, { requestState: state, inputResponses: ACCEPT }));
  } finally {
    clock.mockRestore();
  }
});

test('a declined confirmation completes with the answer (no state needed)', async () => {
  const done = await confirm(first, ALICE, { inputResponses: { confirm: { action: 'decline' } } });
  expect(done.body.result?.content).toEqual([{ type: 'text', text: 'ship it: declined' }]);
});
