/**
 * Cancellation (`notifications/cancelled`). The SDK aborts the tool's handler but, by the spec, sends no response
 * for a cancelled request — so the HTTP stream that was waiting for it would stay open. These helpers end it.
 */
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

export function cancelledRequestId(message: unknown): RequestId | undefined {
  const m = message as { method?: unknown; params?: { requestId?: unknown } } | undefined;
  if (m?.method !== 'notifications/cancelled') return undefined;
  const id = m.params?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** Stateful: once a request of the session is cancelled, close the SSE stream that was carrying it. */
export function closeStreamsOnCancel(transport: StreamableHTTPServerTransport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    deliver?.(message, extra);
    const id = cancelledRequestId(message);
    if (id !== undefined) setImmediate(() => transport.closeSSEStream(id));
  };
}

/**
 * Stateless: a cancellation arrives in its own POST, with no session to find the call by. Calls in flight on this
 * instance are indexed by caller and request id; a cancellation that matches one is delivered to it and ends its
 * stream. (Behind a load balancer the cancellation may reach another instance: then the call runs to its end.)
 */
export class StatelessCallIndex {
  private readonly calls = new Map<string, StreamableHTTPServerTransport>();

  /** Registers the request(s) of a POST body; returns the function that unregisters them. */
  register(caller: string, body: unknown, transport: StreamableHTTPServerTransport): () => void {
    const ids = (Array.isArray(body) ? body : [body])
      .filter((m) => m && typeof m === 'object' && 'method' in m && 'id' in m)
      .map((m) => `${caller}\u0000${String((m as { id: RequestId }).id)}`);
    for (const key of ids) this.calls.set(key, transport);
    return () => {
      for (const key of ids) if (this.calls.get(key) === transport) this.calls.delete(key);
    };
  }

  /** Delivers cancellations in `body` to matching calls; true if any matched. */
  cancel(caller: string, body: unknown): boolean {
    let matched = false;
    for (const message of Array.isArray(body) ? body : [body]) {
      const id = cancelledRequestId(message);
      if (id === undefined) continue;
      const transport = this.calls.get(`${caller}\u0000${String(id)}`);
      if (!transport) continue;
      matched = true;
      transport.onmessage?.(message as JSONRPCMessage);
      setImmediate(() => void transport.close());
    }
    return matched;
  }
}
