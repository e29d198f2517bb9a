/**
 * 2026-07-28 `subscriptions/listen` streams, held cheaply. The SDK handler still validates each listen request
 * (revision, headers, the filter's schema) and acknowledges it — the honored filter, narrowed to what this server
 * advertises, is read back from its acknowledgement. The open stream is then handed over here: the SDK's stream is
 * cancelled (releasing its web ReadableStream, per-stream timer and bus listener, ≈3 KiB each) and the stream becomes
 * one small entry, fed by one bus listener and one keep-alive timer shared by all streams, writing SSE frames straight
 * to the Node response. Measured with `npm run bench:streams`.
 *
 * Bounded: at most `maxStreams` on the instance and `maxStreamsPerPrincipal` per caller (503 + Retry-After beyond),
 * refused while draining; the drain closes every open stream with a `retry` hint.
 */
import type { Request, Response } from 'express';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { principalKey } from '../capabilities/principal';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { RETRY_AFTER_SECONDS } from '../http/retryAfter';
import { refuseWhileDraining } from '../mcp/sessionCap';
import { writeWebResponse } from './webResponse';

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';
const KEEPALIVE_FRAME = ': keepalive\n\n';

/** The honored subset of a listen filter, as the SDK acknowledged it. */
interface Filter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

export interface ListenStreamsOptions {
  /** Where list changes arrive (the SDK handler's bus: Redis pub/sub or in process). */
  bus: ServerEventBus;
  keepAliveMs: number;
  drain: DrainController;
  /** Reconnect delay written to a stream the drain closes (SSE `retry`). */
  retryMs: number;
  /** Open listen streams allowed on this instance. */
  maxStreams: number;
  /** Open listen streams allowed per caller (principal). */
  maxStreamsPerPrincipal: number;
  logger: Logger;
}

export interface ListenStreams {
  /** Serves a listen request: `acknowledge` runs it through the SDK handler (validation and acknowledgement). */
  serve(req: Request, res: Response, acknowledge: () => Promise<globalThis.Response>): Promise<void>;
  /** Open (and reserved) streams. */
  readonly size: number;
  /** Stops the shared listener and timer; ends every open stream with the retry hint. */
  close(): void;
}

interface Stream {
  res: Response;
  id: string | number;
  filter: Filter;
  principal: string;
}

export function listenStreams(options: ListenStreamsOptions): ListenStreams {
  const { logger } = options;
  const open = new Set<Stream>();
  /** Streams per principal, counting those between admission and hand-over. */
  const perPrincipal = new Map<string, number>();
  let reserved = 0;
  let unsubscribe: (() => void) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;

  const release = (principal: string) => {
    const left = (perPrincipal.get(principal) ?? 1) - 1;
    if (left > 0) perPrincipal.set(principal, left);
    else perPrincipal.delete(principal);
  };

  const deliver = (event: ServerEvent) => {
    for (const stream of open) {
      if (!accepts(stream.filter, event) || stream.res.writableEnded) continue;
      stream.res.write(frame(notificationOf(event, stream.id)));
    }
  };

  // One listener and one timer for all streams, armed while any stream is open.
  const arm = () => {
    if (!unsubscribe) unsubscribe = options.bus.subscribe(deliver);
    if (!keepAlive && options.keepAliveMs > 0) {
      keepAlive = setInterval(() => {
        for (const stream of open) if (!stream.res.writableEnded) stream.res.write(KEEPALIVE_FRAME);
      }, options.keepAliveMs);
      keepAlive.unref();
    }
  };
  const disarm = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = undefined;
  };

  const add = (stream: Stream) => {
    open.add(stream);
    arm();
    // Reconnect elsewhere after the hint: this instance is going away.
    const unregister = options.drain.registerStream(() => endWithRetry(stream.res, options.retryMs), 'listen');
    stream.res.once('close', () => {
      unregister();
      open.delete(stream);
      release(stream.principal);
      if (open.size === 0) disarm();
    });
  };

  async function serve(req: Request, res: Response, acknowledge: () => Promise<globalThis.Response>): Promise<void> {
    if (refuseWhileDraining(options.drain, res)) return;
    const principal = principalKey(req.auth);
    if (refuseAtCap(principal, res)) return;
    reserved++;
    perPrincipal.set(principal, (perPrincipal.get(principal) ?? 0) + 1);
    let handedOver = false;
    try {
      const response = await acknowledge();
      if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        // A refusal (bad filter, unsupported revision, header mismatch): the SDK's answer as it is.
        await writeWebResponse(response, res);
        return;
      }
      const reader = response.body.getReader();
      const first = await reader.read();
      const ack = first.done ? undefined : acknowledgement(first.value);
      res.status(response.status);
      response.headers.forEach((value, name) => res.setHeader(name, value));
      if (!ack || Object.keys(ack.filter).length === 0 || res.destroyed) {
        // Nothing to hold (the SDK closes a stream that honours nothing) or unexpected: relay the SDK's stream.
        res.flushHeaders();
        if (!first.done) res.write(first.value);
        await relay(reader, res);
        return;
      }
      // The hand-over. Only microtasks ran since the SDK subscribed, so no event (a macrotask: Redis message, a
      // tool call) reached its stream after the acknowledgement; cancelling it drops its listener and timer.
      res.flushHeaders();
      res.write(first.value);
      reader.cancel().catch(() => undefined);
      add({ res, id: ack.id, filter: ack.filter, principal });
      handedOver = true;
    } finally {
      reserved--;
      if (!handedOver) release(principal);
    }
  }

  /** 503 + Retry-After when the instance or this caller holds as many listen streams as allowed. */
  function refuseAtCap(principal: string, res: Response): boolean {
    const instance = open.size + reserved >= options.maxStreams;
    if (!instance && (perPrincipal.get(principal) ?? 0) < options.maxStreamsPerPrincipal) return false;
    logger.warn({ listenStreams: open.size, cap: instance ? 'instance' : 'principal' }, 'listen stream cap reached');
    const message = instance
      ? `Too many listen streams on this server (limit ${options.maxStreams}); retry later`
      : `Too many listen streams for this caller (limit ${options.maxStreamsPerPrincipal}); close unused subscriptions or retry later`;
    sendJsonRpcError(res, 503, RPC.serverError, message, { 'Retry-After': RETRY_AFTER_SECONDS });
    return true;
  }

  return {
    serve,
    get size() {
      return open.size + reserved;
    },
    close() {
      for (const stream of [...open]) endWithRetry(stream.res, options.retryMs);
      disarm();
    },
  };
}

function endWithRetry(res: Response, retryMs: number): void {
  if (!res.writableEnded) res.end(`retry: ${retryMs}\n\n`);
}

/** Writes the rest of an SDK stream to the response (backpressure: the stream guard bounds what is unsent). */
async function relay(reader: ReadableStreamDefaultReader<Uint8Array>, res: Response): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed || res.writableEnded) break;
      res.write(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
    if (!res.writableEnded) res.end();
  }
}

/** The subscription id and honored filter from the SDK's first frame, if it is the acknowledgement. */
export function acknowledgement(chunk: Uint8Array): { id: string | number; filter: Filter } | undefined {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  const data = /^data: (.*)$/m.exec(text)?.[1];
  if (!data) return undefined;
  try {
    const message = JSON.parse(data) as {
      method?: string;
      params?: { notifications?: Filter; _meta?: Record<string, unknown> };
    };
    const id = message.params?._meta?.[SUBSCRIPTION_ID];
    if (message.method !== ACKNOWLEDGED || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
    return { id, filter: message.params?.notifications ?? {} };
  } catch {
    return undefined;
  }
}

/** Whether an acknowledged filter takes the event (as the SDK's listen router filters). */
export function accepts(filter: Filter, event: ServerEvent): boolean {
  switch (event.kind) {
    case 'tools_list_changed':
      return filter.toolsListChanged === true;
    case 'prompts_list_changed':
      return filter.promptsListChanged === true;
    case 'resources_list_changed':
      return filter.resourcesListChanged === true;
    case 'resource_updated':
      return filter.resourceSubscriptions?.includes(event.uri) === true;
    default:
      return false;
  }
}

const METHODS: Record<ServerEvent['kind'], string> = {
  tools_list_changed: 'notifications/tools/list_changed',
  prompts_list_changed: 'notifications/prompts/list_changed',
  resources_list_changed: 'notifications/resources/list_changed',
  resource_updated: 'notifications/resources/updated',
};

/** The wire notification for an event on one subscription: its params stamped with the subscription id. */
export function notificationOf(event: ServerEvent, subscriptionId: string | number): object {
  const params: Record<string, unknown> = { ...(event.params ?? {}) };
  if (event.kind === 'resource_updated') params.uri = event.uri;
  params._meta = {
    ...((event.params?._meta as Record<string, unknown> | undefined) ?? {}),
    [SUBSCRIPTION_ID]: subscriptionId,
  };
  return { jsonrpc: '2.0', method: METHODS[event.kind], params };
}

function frame(message: object): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
