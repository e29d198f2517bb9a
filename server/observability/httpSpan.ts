/**
 * The HTTP SERVER span of each request (parent: the `traceparent` header), so MCP spans, 401s and streams all sit
 * under one span per HTTP exchange, and the access log can name the trace. Used only when tracing is on.
 */
import type { IncomingMessage } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';

const contexts = new WeakMap<IncomingMessage, Context>();
/** Once: the API's proxy tracer binds to the SDK's on first use after start-up (a lookup per request otherwise). */
const tracer = trace.getTracer('remote-mcp-stacks');
const traceIds = new WeakMap<Response, string>();

/** The trace id of the request's HTTP span, for the access log (undefined when tracing is off). */
export const traceIdOf = (res: Response): string | undefined => traceIds.get(res);

/** Starts the span; ends it when the response finishes or the connection closes. */
export const httpSpan: RequestHandler = (req, res, next) => {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  // The path without the query: a legacy `?sessionId=` is a bearer capability.
  const route = req.path;
  const span = tracer.startSpan(
    `${req.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'http.route': route,
        'url.path': route,
        'url.scheme': req.protocol,
      },
    },
    parent,
  );
  contexts.set(req, trace.setSpan(parent, span));
  traceIds.set(res, span.spanContext().traceId);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const status = res.headersSent ? res.statusCode : 499;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (status >= 500 || status === 499) span.setAttribute('error.type', String(status));
    span.end();
  };
  res.once('finish', end);
  res.once('close', end);
  next();
};

/**
 * Makes the request's HTTP span the active context for what follows (the MCP handler). Body parsing runs on the
 * socket's own async context, so the span is re-entered right before the handler.
 */
export const activateHttpSpan: RequestHandler = (req, _res, next) => {
  const ctx = contexts.get(req);
  return ctx ? context.with(ctx, next) : next();
};
