/**
 * The router hands the SDK v2 a read-only view of the express request instead of a copied web `Request`
 * (`server/modern/requestView.ts`): the view must read like the copy did.
 */
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { HeadersView, RequestView } from '../../server/modern/requestView';

const headers = {
  host: 'mcp.example.com',
  'content-type': 'application/json',
  'content-length': '120',
  'transfer-encoding': 'chunked',
  'x-forwarded-for': ['10.0.0.1', '10.0.0.2'] as unknown as string,
  'mcp-protocol-version': '2026-07-28',
};

test('headers: case-insensitive, repeated values joined, body framing hidden, read-only', () => {
  const view = new HeadersView(headers);
  expect(view.get('MCP-Protocol-Version')).toBe('2026-07-28');
  expect(view.get('x-forwarded-for')).toBe('10.0.0.1, 10.0.0.2');
  expect(view.get('content-length')).toBeNull();
  expect(view.has('transfer-encoding')).toBe(false);
  expect(view.get('mcp-name')).toBeNull();
  expect([...view.keys()]).toEqual(['content-type', 'host', 'mcp-protocol-version', 'x-forwarded-for']);
  const seen: string[] = [];
  view.forEach((value, name) => seen.push(`${name}=${value}`));
  expect(seen).toContain('host=mcp.example.com');
  expect(() => view.set()).toThrow(TypeError);
});

function fakeExchange() {
  const res = Object.assign(new EventEmitter(), { writableFinished: false });
  const req = {
    method: 'POST',
    headers,
    originalUrl: '/mcp?x=1',
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call' },
  };
  return { req, res, view: new RequestView(req as unknown as Request, res as unknown as Response) };
}

test('request: method, URL and parsed body of the express request', () => {
  const { view, req } = fakeExchange();
  expect(view.method).toBe('POST');
  expect(view.url).toBe('http://mcp.example.com/mcp?x=1');
  expect(view.parsedBody).toBe(req.body);
});

test('signal: aborted when the client leaves before the answer, not after a finished one', () => {
  const early = fakeExchange();
  const signal = early.view.signal;
  early.res.emit('close');
  expect(signal.aborted).toBe(true);

  const finished = fakeExchange();
  const kept = finished.view.signal;
  finished.res.writableFinished = true;
  finished.res.emit('close');
  expect(kept.aborted).toBe(false);
});
