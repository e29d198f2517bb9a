/**
 * One SERVER span per MCP request, by the OpenTelemetry MCP semantic conventions: name `{mcp.method.name} {target}`,
 * attributes `mcp.method.name`, `mcp.protocol.version`, `mcp.session.id` (a truncated hash), `jsonrpc.request.id`,
 * `gen_ai.tool.name` and `gen_ai.operation.name` for tools/call, `error.type` on failure. Its parent: the HTTP span
 * when the client's `params._meta` trace context is in the same trace (or absent), else that `_meta` context (linked
 * to the HTTP span), else the HTTP `traceparent` header. Never a token, an argument or a result in an attribute.
 *
 * Installed on the SDK server's request-handler table: every request of every transport (stateless, stateful,
 * clustered, legacy SSE) passes there.
 */
import { createHash } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
} from '@opentelemetry/api';
import { RESTORE_ID, RESTORE_LEVEL_ID } from '../cluster/clusterTransport';
import { instruments } from './instruments';
import { telemetry } from './telemetry';

type Handler = (
  request: { method: string; id?: unknown; params?: Record<string, unknown> },
  extra: HandlerExtra,
) => Promise<unknown>;
/** The handler's second argument: v1's `extra` (`requestInfo.headers`) or v2's `ctx` (`mcpReq.envelope`, `http.req`). */
interface HandlerExtra {
  sessionId?: string;
  requestInfo?: { headers?: Headers };
  mcpReq?: { envelope?: Record<string, unknown> };
  http?: { req?: { headers?: globalThis.Headers } };
}

/** The 2026-07-28 envelope key naming the request's protocol revision (the SDK lifts it out of `params._meta`). */
const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

/** The request's HTTP headers in either era (v2 hands over the web `Request`). */
function headersOf(extra: HandlerExtra): Headers | undefined {
  if (extra.requestInfo?.headers) return extra.requestInfo.headers;
  const web = extra.http?.req?.headers;
  return web && typeof web.forEach === 'function'
    ? Object.fromEntries(web as unknown as Iterable<[string, string]>)
    : undefined;
}

const MAX_NAME_CHARS = 128;
/** Distinct tool names kept as metric attributes; the rest are `_OTHER` (a client picks the name it calls). */
const MAX_TOOL_NAMES = 200;
const toolNames = new Set<string>();

/** Once: the API's proxy tracer binds to the SDK's on first use after start-up (a lookup per request otherwise). */
const tracer = trace.getTracer('remote-mcp-stacks');

/** Hashes of recent session ids: a session's requests hash its id once, not once each. Bounded. */
const MAX_HASHED_SESSIONS = 1024;
const hashed = new Map<string, string>();

/** `mcp.session.id`: a session id is a bearer capability, so only the first 16 hex digits of its SHA-256. */
export function sessionIdHash(id: string): string {
  let hash = hashed.get(id);
  if (hash === undefined) {
    hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
    if (hashed.size >= MAX_HASHED_SESSIONS) hashed.clear();
    hashed.set(id, hash);
  }
  return hash;
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers | undefined, name: string) => {
  const value = headers?.[name];
  return typeof value === 'string' ? value : undefined;
};

const getter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string'
      ? value
      : Array.isArray(value) && typeof value[0] === 'string'
        ? value[0]
        : undefined;
  },
};

/** The span's parent and links (see the module comment). */
function parentOf(meta: unknown, extra: HandlerExtra): { parent: Context; links: Link[] } {
  const active = context.active();
  const httpSpan = trace.getSpan(active);
  const metaCarrier =
    meta && typeof meta === 'object' && typeof (meta as { traceparent?: unknown }).traceparent === 'string'
      ? meta
      : undefined;
  if (metaCarrier) {
    const fromMeta = propagation.extract(ROOT_CONTEXT, metaCarrier as Record<string, unknown>, getter);
    const metaSpan = trace.getSpanContext(fromMeta);
    if (metaSpan && trace.isSpanContextValid(metaSpan)) {
      if (httpSpan && httpSpan.spanContext().traceId === metaSpan.traceId) return { parent: active, links: [] };
      return { parent: fromMeta, links: httpSpan ? [{ context: httpSpan.spanContext() }] : [] };
    }
  }
  if (httpSpan) return { parent: active, links: [] };
  const headers = headersOf(extra);
  if (headers && header(headers, 'traceparent'))
    return { parent: propagation.extract(ROOT_CONTEXT, headers, getter), links: [] };
  return { parent: active, links: [] };
}

const clipName = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_NAME_CHARS) : undefined);

function metricToolName(name: string): string {
  if (toolNames.has(name)) return name;
  if (toolNames.size >= MAX_TOOL_NAMES) return '_OTHER';
  toolNames.add(name);
  return name;
}

/** A JSON-RPC error: v1's McpError, or v2's ProtocolError (another class, same numeric `code`). */
const rpcCode = (err: unknown): number | undefined =>
  err instanceof McpError || (err instanceof Error && Number.isSafeInteger((err as { code?: unknown }).code))
    ? (err as unknown as { code: number }).code
    : undefined;

function errorType(err: unknown): string {
  const code = rpcCode(err);
  if (code !== undefined) return String(code);
  return err instanceof Error ? err.name.slice(0, 64) : '_OTHER';
}

function instrument(method: string, handler: Handler): Handler {
  return (request, extra) => {
    // A clustered session rebuilt on this instance replays its initialize: internal, not a client request.
    if (request.id === RESTORE_ID || request.id === RESTORE_LEVEL_ID) return handler(request, extra);
    const started = performance.now();
    const params = request.params ?? {};
    const tool = method === 'tools/call' ? clipName(params.name) : undefined;
    const target = tool ?? (method === 'prompts/get' ? clipName(params.name) : undefined);
    const version =
      (method === 'initialize' ? clipName(params.protocolVersion) : undefined) ??
      clipName(extra.mcpReq?.envelope?.[PROTOCOL_VERSION_META_KEY]) ??
      clipName(header(headersOf(extra), 'mcp-protocol-version'));
    const attributes: Attributes = { 'mcp.method.name': method };
    if (version) attributes['mcp.protocol.version'] = version;
    if (extra.sessionId) attributes['mcp.session.id'] = sessionIdHash(extra.sessionId);
    if (request.id !== undefined) attributes['jsonrpc.request.id'] = String(request.id).slice(0, MAX_NAME_CHARS);
    if (tool) Object.assign(attributes, { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' });
    if (method === 'prompts/get' && target) attributes['gen_ai.prompt.name'] = target;

    const metricAttributes: Attributes = { 'mcp.method.name': method };
    if (tool) metricAttributes['gen_ai.tool.name'] = metricToolName(tool);
    const finish = (error: string | undefined) => {
      if (error) metricAttributes['error.type'] = error;
      instruments().operationDuration.record((performance.now() - started) / 1000, metricAttributes);
    };
    if (!telemetry().tracing) {
      return handler(request, extra).then(
        (result) => (finish(isToolError(result) ? 'tool_error' : undefined), result),
        (err: unknown) => {
          finish(errorType(err));
          throw err;
        },
      );
    }
    const { parent, links } = parentOf(params._meta, extra);
    const span = tracer.startSpan(
      target ? `${method} ${target}` : method,
      { kind: SpanKind.SERVER, attributes, links },
      parent,
    );
    return context
      .with(trace.setSpan(parent, span), () => handler(request, extra))
      .then(
        (result) => {
          if (isToolError(result)) {
            span.setAttribute('error.type', 'tool_error');
            span.setStatus({ code: SpanStatusCode.ERROR });
            finish('tool_error');
          } else finish(undefined);
          span.end();
          return result;
        },
        (err: unknown) => {
          const type = errorType(err);
          span.setAttribute('error.type', type);
          const code = rpcCode(err);
          if (code !== undefined) span.setAttribute('rpc.response.status_code', String(code));
          // The message can quote the request (an unknown tool's name, a validation failure): not recorded.
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          finish(type);
          throw err;
        },
      );
  };
}

const isToolError = (result: unknown) =>
  !!result && typeof result === 'object' && (result as { isError?: unknown }).isError === true;

/**
 * Wraps every request handler of `server` (and any registered later). Both SDKs keep the same table on their
 * low-level server: v1's `McpServer` (2025 eras) and v2's (2026-07-28, `@modelcontextprotocol/server`).
 * In 2026-07-28 an `input_required` result is a normal answer (the client retries with its input), not an error.
 */
export function instrumentMcpServer(server: McpServer | { server: object }): void {
  const t = telemetry();
  if (!t.tracing && !t.metrics) return; // Off: not even a wrapper.
  // The SDK keeps its handlers in this map (method → handler); `setRequestHandler` and McpServer's lazy
  // registration both go through `set`, so wrapping it catches every handler, now and later.
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  if (!(handlers instanceof Map)) throw new Error('MCP SDK changed: no request handler table to instrument');
  const set = handlers.set.bind(handlers);
  handlers.set = (method: string, handler: Handler) => set(method, instrument(method, handler));
  for (const [method, handler] of [...handlers]) set(method, instrument(method, handler));
}
