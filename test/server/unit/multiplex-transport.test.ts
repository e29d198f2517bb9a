/** The multiplexing transport of the stateless path: routing, cancellation and answers to server requests. */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ENDED_WITHOUT_RESPONSE, MultiplexTransport } from '../../../server/mcp/multiplexTransport';

function sink() {
  const written: { message: JSONRPCMessage; final: boolean }[] = [];
  return { written, write: (message: JSONRPCMessage, final: boolean) => written.push({ message, final }) };
}

function setup() {
  const transport = new MultiplexTransport();
  const delivered: JSONRPCMessage[] = [];
  transport.onmessage = (m) => delivered.push(m);
  return { transport, delivered };
}

const call = (id: number | string): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'x' },
});
const cancel = (requestId: number | string): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId },
});

test("each caller's answer comes back under its own id", async () => {
  const { transport, delivered } = setup();
  const a = sink();
  const b = sink();
  const ia = transport.dispatch(call(1), 'alice', a, {})!;
  const ib = transport.dispatch(call(1), 'bob', b, {})!;
  expect(ia).not.toBe(ib);
  expect(delivered.map((m) => (m as { id: number }).id)).toEqual([ia, ib]);
  await transport.send({ jsonrpc: '2.0', id: ib, result: { who: 'bob' } });
  await transport.send({ jsonrpc: '2.0', id: ia, result: { who: 'alice' } });
  expect(a.written).toEqual([{ message: { jsonrpc: '2.0', id: 1, result: { who: 'alice' } }, final: true }]);
  expect(b.written).toEqual([{ message: { jsonrpc: '2.0', id: 1, result: { who: 'bob' } }, final: true }]);
});

test('only the caller a server request was sent to may answer it', async () => {
  const { transport, delivered } = setup();
  const a = sink();
  const internal = transport.dispatch(call(7), 'alice', a, {})!;
  // During alice's call the server asks her client something (elicitation, sampling…).
  await transport.send(
    { jsonrpc: '2.0', id: 0, method: 'elicitation/create', params: {} },
    { relatedRequestId: internal },
  );
  expect(a.written[0]).toEqual({
    message: { jsonrpc: '2.0', id: 0, method: 'elicitation/create', params: {} },
    final: false,
  });
  delivered.length = 0;
  transport.dispatch({ jsonrpc: '2.0', id: 0, result: { action: 'accept' } }, 'mallory', sink(), {});
  expect(delivered).toEqual([]);
  transport.dispatch({ jsonrpc: '2.0', id: 0, result: { action: 'decline' } }, 'alice', sink(), {});
  expect(delivered).toEqual([{ jsonrpc: '2.0', id: 0, result: { action: 'decline' } }]);
});

test('a cancellation reaches the call, which then ends without a response', () => {
  const { transport, delivered } = setup();
  const a = sink();
  const internal = transport.dispatch(call('c1'), 'alice', a, {})!;
  transport.dispatch(cancel('c1'), 'alice', sink(), {});
  expect(delivered[1]).toMatchObject({ method: 'notifications/cancelled', params: { requestId: internal } });
  expect(a.written).toEqual([{ message: ENDED_WITHOUT_RESPONSE, final: true }]);
});

test('an ambiguous cancellation (two calls of one principal with one id) cancels nothing', () => {
  const { transport, delivered } = setup();
  transport.dispatch(call(3), 'team-token', sink(), {});
  transport.dispatch(call(3), 'team-token', sink(), {});
  delivered.length = 0;
  transport.dispatch(cancel(3), 'team-token', sink(), {});
  expect(delivered).toEqual([]);
});

test('an abandoned call leaves nothing behind: a later call with the same id can be cancelled', () => {
  const { transport, delivered } = setup();
  const first = transport.dispatch(call(9), 'alice', sink(), {})!;
  transport.abandon([first]);
  expect(transport.pending).toBe(0);
  const second = transport.dispatch(call(9), 'alice', sink(), {})!;
  delivered.length = 0;
  transport.dispatch(cancel(9), 'alice', sink(), {});
  expect(delivered).toEqual([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: second } }]);
});
