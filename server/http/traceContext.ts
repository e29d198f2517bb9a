/**
 * The W3C trace id of a request, for its log line: from the 2026-07-28 `_meta.traceparent` (the per-request
 * envelope's reserved key) or else the HTTP `traceparent` header. Malformed values are ignored, never logged.
 */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);

function traceIdIn(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 128) return undefined;
  const id = TRACEPARENT.exec(value.trim().toLowerCase())?.[1];
  return id && id !== ZERO_TRACE ? id : undefined;
}

export function traceIdOf(header: string | string[] | undefined, body: unknown): string | undefined {
  const meta = (body as { params?: { _meta?: { traceparent?: unknown } } } | undefined)?.params?._meta;
  return traceIdIn(meta?.traceparent) ?? traceIdIn(Array.isArray(header) ? header[0] : header);
}
