/**
 * Cancellation (`notifications/cancelled`). The SDK aborts the tool's handler but, by the spec, sends no response
 * for a cancelled request — so the HTTP stream that was waiting for it would stay open. These helpers end it.
 */
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

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
