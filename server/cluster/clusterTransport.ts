/**
 * The SDK `Transport` of one session on this instance. It writes what the server sends into the session's
 * streams in the store (see `eventLog.ts`) instead of into an HTTP response, so any instance can deliver it.
 *
 * Several instances may host the same session at once, each with its own `McpServer`: server-to-client requests
 * get ids prefixed with this instance's id, so they never collide and a client's answer can be routed back here.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  isJSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { DrainController } from '../lifecycle/drain';
import { droppedRequestAnswer } from '../mcp/multiplexTransport';
import type { EventLog } from './eventLog';

/** The stream of messages that belong to no client request (the GET stream), as the SDK names it. */
export const STANDALONE_STREAM = '_GET_stream';

/** Ids of the replayed requests that rebuild a session's server on another instance; their answers are dropped. */
export const RESTORE_ID = '__restore_initialize__';
export const RESTORE_LEVEL_ID = '__restore_log_level__';

export class ClusterTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  /** Client request id → the stream carrying its answer. */
  private readonly requestStreams = new Map<RequestId, string>();
  /** Stream → requests still unanswered, and the drain's hold on each. */
  private readonly pending = new Map<string, Map<RequestId, () => void>>();
  /** Id sent to the client → the server's own id, for server-to-client requests. */
  private readonly outbound = new Map<string, RequestId>();
  private counter = 0;
  private restored?: () => void;

  constructor(
    readonly sessionId: string,
    private readonly instanceId: string,
    private readonly log: EventLog,
    private readonly drain: DrainController,
  ) {}

  async start(): Promise<void> {}

  async close(): Promise<void> {
    for (const holds of this.pending.values()) for (const done of holds.values()) done();
    this.pending.clear();
    this.requestStreams.clear();
    this.onclose?.();
  }

  /** Requests being answered here (a host with any is not evicted). */
  get running(): number {
    return this.requestStreams.size;
  }

  /**
   * Rebuilds the server's view of the client from the session's record: capabilities and version (`initialize`),
   * and the log level it chose (`logging/setLevel`).
   */
  async restore(initialize: JSONRPCMessage, setLevel?: JSONRPCMessage): Promise<void> {
    const answered = new Promise<void>((resolve) => (this.restored = resolve));
    this.onmessage?.({ ...(initialize as object), id: RESTORE_ID } as JSONRPCMessage);
    await answered;
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (setLevel) this.onmessage?.({ ...(setLevel as object), id: RESTORE_LEVEL_ID } as JSONRPCMessage);
  }

  /** True while a client request with this id is being answered here (ids must be unique within a session). */
  isRunning(requestId: RequestId): boolean {
    return this.requestStreams.has(requestId);
  }

  /** Opens a stream for the requests of one POST; resolves with its `open` entry (the priming event). */
  async openStream(streamId: string, requestIds: RequestId[]): Promise<string> {
    const entry = await this.log.append(this.sessionId, streamId, { opens: requestIds });
    const holds = new Map<RequestId, () => void>();
    for (const id of requestIds) {
      this.requestStreams.set(id, streamId);
      holds.set(id, this.drain.beginCall());
    }
    this.pending.set(streamId, holds);
    return entry;
  }

  /** A client message for this session's server. */
  deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (!('method' in message) && 'id' in message) {
      // An answer to one of our requests: back to the server's own id (and dropped if it is not ours).
      const own = this.outbound.get(String(message.id));
      if (own === undefined) return;
      this.outbound.delete(String(message.id));
      message = { ...message, id: own } as JSONRPCMessage;
    } else if ('method' in message && 'id' in message && !isJSONRPCRequest(message)) {
      // Backstop: the server would drop it unseen, its stream would never end and its drain hold never go.
      const request = message as { method: unknown; id: RequestId };
      this.onerror?.(
        new Error(`request ${String(request.method).slice(0, 100)} refused: the SDK's schema does not accept it`),
      );
      void this.send(droppedRequestAnswer(request.id)).catch((err: Error) => this.onerror?.(err));
      return;
    }
    this.onmessage?.(message, extra);
  }

  /** A cancelled request gets no answer (by the spec): its stream ends without one. */
  async cancel(requestId: RequestId): Promise<void> {
    const streamId = this.requestStreams.get(requestId);
    if (streamId === undefined) return;
    if (this.settle(streamId, requestId)) await this.log.append(this.sessionId, streamId, { end: true });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = !('method' in message) && 'id' in message;
    const requestId = isAnswer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (isAnswer && requestId === RESTORE_ID) return this.restored?.();
    if (isAnswer && requestId === RESTORE_LEVEL_ID) return;
    if ('method' in message && 'id' in message) {
      const sent = `${this.instanceId}:${++this.counter}`;
      this.outbound.set(sent, message.id);
      message = { ...message, id: sent };
    }
    const streamId = requestId === undefined ? STANDALONE_STREAM : this.requestStreams.get(requestId);
    if (streamId === undefined) return; // the request was cancelled: nothing more goes to the client for it
    const end = isAnswer && this.settle(streamId, requestId!);
    await this.log.append(this.sessionId, streamId, { message, end });
  }

  /** Marks a request answered; true when it was the stream's last. */
  private settle(streamId: string, requestId: RequestId): boolean {
    this.requestStreams.delete(requestId);
    const holds = this.pending.get(streamId);
    holds?.get(requestId)?.();
    holds?.delete(requestId);
    if (holds && holds.size === 0) {
      this.pending.delete(streamId);
      return true;
    }
    return false;
  }
}
