/** Raw 2026-07-28 requests (the per-request `_meta` envelope and its headers), for tests that look at the wire. */
export const MODERN = '2026-07-28';

export interface ModernCall {
  method: string;
  params?: Record<string, unknown>;
  id?: number | string;
  token?: string;
  /** Client capabilities in the envelope. @default elicitation (form) */
  capabilities?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Extra `_meta` entries. */
  meta?: Record<string, unknown>;
}

export interface ModernAnswer {
  status: number;
  body: {
    result?: Record<string, unknown> & {
      resultType?: string;
      requestState?: string;
      isError?: boolean;
      content?: { text?: string }[];
    };
    error?: { code: number; message: string; data?: Record<string, unknown> };
  };
}

export async function modernPost(url: URL | string, call: ModernCall): Promise<ModernAnswer> {
  const params = {
    ...(call.params ?? {}),
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': call.capabilities ?? { elicitation: { form: {} } },
      ...(call.meta ?? {}),
    },
  };
  const name =
    typeof call.params?.name === 'string'
      ? call.params.name
      : typeof call.params?.uri === 'string'
        ? call.params.uri
        : undefined;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': call.method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
      ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      ...(call.headers ?? {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: call.id ?? 1, method: call.method, params }),
  });
  const text = await res.text();
  // SSE answers carry the response as the last `data:` line.
  const json = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)))
        .pop()
    : JSON.parse(text);
  return { status: res.status, body: json };
}

/** A `subscriptions/listen` request as a client sends it: its headers and JSON body (no client capabilities). */
export function listenRequest(
  id: string,
  notifications: Record<string, unknown> = { toolsListChanged: true },
): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: {
        notifications,
        _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    }),
  };
}
