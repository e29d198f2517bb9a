/** The tests' OTLP receiver answers bad export requests clearly (it decodes protobuf and JSON bodies). */
import { startOtlpReceiver, type OtlpReceiver } from '../../stack/otlpReceiver';

let receiver: OtlpReceiver;
beforeAll(async () => void (receiver = await startOtlpReceiver()));
afterAll(() => receiver?.close());

const post = (path: string, type: string, body: string | Uint8Array) =>
  fetch(receiver.url + path, { method: 'POST', headers: { 'content-type': type }, body });

test('a body that is not an OTLP protobuf export request is a 400, not a crash; the receiver goes on', async () => {
  const bad = await post('/v1/traces', 'application/x-protobuf', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  expect(bad.status).toBe(400);
  expect(await bad.text()).toBe('not an OTLP protobuf export request');
  // An empty protobuf body is a valid, empty request; the answer is an empty protobuf response.
  const empty = await post('/v1/traces', 'application/x-protobuf', new Uint8Array());
  expect([empty.status, empty.headers.get('content-type'), (await empty.arrayBuffer()).byteLength]).toEqual([
    200,
    'application/x-protobuf',
    0,
  ]);
  expect(receiver.bodies).toEqual({ protobuf: 1, json: 0 });
});

test('other encodings are a 415; unknown paths a 404', async () => {
  expect((await post('/v1/traces', 'text/plain', 'x')).status).toBe(415);
  expect((await post('/v1/other', 'application/json', '{}')).status).toBe(404);
});
