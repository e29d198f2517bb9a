/**
 * One MCP transport carrying many concurrent HTTP exchanges to one long-lived server — the fast stateless path.
 *
 * Building an `McpServer` and a transport for every request (the SDK's stateless idiom) costs far more than the
 * protocol work itself. Here one server stays connected to this transport; each incoming request gets an
 * internal id (clients' ids collide: every client starts at 0 or 1), and the server's responses, notifications
 * and requests are routed back to the exchange the request came from, under the client's own id.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  isJSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { cancelledRequestId } from './cancellation';
import { isRequest, isResponse } from './jsonRpcEnvelope';

/** Where the messages for one HTTP exchange go. */
export interface ExchangeSink {
  /** A message for the client; `final` when it is the response to one of the exchange's requests. */
  write(message: JSONRPCMessage, final: boolean): void;
}

interface Route {
  sink: ExchangeSink;
  clientId: RequestId;
  callerKey: string;
}

export class MultiplexTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  private nextId = 0;
  private readonly routes = new Map<number, Route>();
  /**
   * `caller \0 clientId` → internal ids in flight, so a caller's `notifications/cancelled` finds its call. The
   * caller key is the endpoint's (principal and client address, see `callerOf` in sharedStatelessEndpoint.ts).
   */
  private readonly byCaller = new Map<string, Set<number>>();
  /** Requests the server sent to a client during a call (sampling, elicitation…) → the caller who may answer. */
  private readonly outgoing = new Map<string, { caller: string; internal: number }>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.routes.clear();
    this.byCaller.clear();
    this.outgoing.clear();
    this.onclose?.();
  }

  /** Number of requests whose response has not been sent yet. */
  get pending(): number {
    return this.routes.size;
  }

  /**
   * Hands a client message to the server. Requests are answered through `sink`; the returned internal ids let
   * the caller abort them (`abandon`) if the client goes away.
   */
  dispatch(message: JSONRPCMessage, caller: string, sink: ExchangeSink, extra: MessageExtraInfo): number | undefined {
    if (isRequest(message)) {
      const internal = ++this.nextId;
      const callerKey = keyOf(caller, message.id);
      this.routes.set(internal, { sink, clientId: message.id, callerKey });
      let ids = this.byCaller.get(callerKey);
      if (!ids) this.byCaller.set(callerKey, (ids = new Set()));
      ids.add(internal);
      const delivered = { ...message, id: internal };
      if (!isJSONRPCRequest(delivered)) {
        // Backstop: the server would drop it unseen ("Unknown message type") and the exchange would wait forever.
        // The edge check should have refused it; answer it here all the same.
        this.onerror?.(
          new Error(`request ${String(message.method).slice(0, 100)} refused: the SDK's schema does not accept it`),
        );
        this.finish(internal, droppedRequestAnswer(internal));
        return internal;
      }
      this.onmessage?.(delivered, extra);
      return internal;
    }
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) {
      const ids = this.byCaller.get(keyOf(caller, cancelled));
      // Several clients of one principal (a shared token) may use the same id at once: cancel only what is certain.
      if (!ids || ids.size !== 1) return undefined;
      const [internal] = ids as Set<number> & [number];
      const m = message as { params: Record<string, unknown> };
      this.onmessage?.({ ...message, params: { ...m.params, requestId: internal } } as JSONRPCMessage, extra);
      this.finish(internal);
      return undefined;
    }
    if (isResponse(message)) {
      // An answer to a request the server sent during a call: only the caller it was sent to may give it.
      const key = keyOf('', (message as { id: RequestId }).id);
      const owner = this.outgoing.get(key);
      if (!owner || owner.caller !== caller) return undefined;
      this.outgoing.delete(key);
    }
    this.onmessage?.(message, extra);
    return undefined;
  }

  /** The client is gone: cancel its unanswered requests so their work stops. */
  abandon(internalIds: readonly number[]): void {
    for (const id of internalIds) {
      if (!this.routes.has(id)) continue;
      this.forget(id);
      this.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'client disconnected' },
      });
    }
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isResponse(message)) {
      const internal = (message as { id: number }).id;
      // Unknown: cancelled or abandoned, nobody waits for it.
      this.finish(internal, message);
      return;
    }
    const related = options?.relatedRequestId;
    const route = related === undefined ? undefined : this.routes.get(related as number);
    // Without a related request there is no stream to carry it: stateless mode has no GET stream.
    if (!route) return;
    if (isRequest(message)) {
      this.outgoing.set(keyOf('', message.id), { caller: callerOf(route.callerKey), internal: related as number });
    }
    route.sink.write(message, false);
  }

  /** Ends a request: its response goes to its exchange under the client's id; a cancelled one just ends. */
  private finish(internal: number, response?: JSONRPCMessage): void {
    const route = this.forget(internal);
    if (!route) return;
    // A cancelled request gets no response (by the spec); its exchange still has to end.
    route.sink.write(response ? ({ ...response, id: route.clientId } as JSONRPCMessage) : ENDED_WITHOUT_RESPONSE, true);
  }

  /** Drops every trace of a request: its route, its cancel index entry, the requests it sent out. */
  private forget(internal: number): Route | undefined {
    const route = this.routes.get(internal);
    if (!route) return undefined;
    this.routes.delete(internal);
    const ids = this.byCaller.get(route.callerKey);
    ids?.delete(internal);
    if (ids?.size === 0) this.byCaller.delete(route.callerKey);
    for (const [key, owner] of this.outgoing) if (owner.internal === internal) this.outgoing.delete(key);
    return route;
  }
}

const keyOf = (caller: string, id: RequestId) => `${caller}\u0000${typeof id}:${String(id)}`;
const callerOf = (callerKey: string) => callerKey.slice(0, callerKey.indexOf('\u0000'));

/** The answer to a request the SDK would drop: an error, so nobody waits for it. */
export const droppedRequestAnswer = (id: RequestId): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32600, message: 'Invalid Request: the message does not match the MCP schema' },
});

/** Internal marker: the request ended without a response (never written to the client). */
export const ENDED_WITHOUT_RESPONSE = Object.freeze({ jsonrpc: '2.0', method: '$/ended' }) as unknown as JSONRPCMessage;
