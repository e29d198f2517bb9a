/**
 * Client values the server sends back — a progress token with every progress notification (`countdown`: once a
 * second, for up to an hour), a request id with its answer — are bounded by size when the request arrives. A 3.5 MB
 * progress token echoed every second to streams nobody read was enough to exhaust an instance's memory.
 */
import type { RequestHandler } from 'express';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';

/** Far above any real token or id (counters, UUIDs, ULIDs); small enough that echoing it often costs nothing. */
export const MAX_ECHOED_STRING_BYTES = 256;

const tooLong = (v: unknown): boolean =>
  typeof v === 'string' && v.length > MAX_ECHOED_STRING_BYTES / 3 && Buffer.byteLength(v) > MAX_ECHOED_STRING_BYTES;

/** The name of the first echoed field of `message` over the bound, if any. */
export function oversizedEchoedField(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { id?: unknown; params?: { _meta?: { progressToken?: unknown } } };
  if (tooLong(m.id)) return 'id';
  const meta = typeof m.params === 'object' && m.params !== null ? m.params._meta : undefined;
  if (typeof meta === 'object' && meta !== null && tooLong(meta.progressToken)) return 'params._meta.progressToken';
  return undefined;
}

/** Refuses (400, naming the field) a JSON-RPC body — one message or a batch — carrying an oversized echoed value. */
export const refuseOversizedEchoes: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  for (const message of Array.isArray(body) ? body : [body]) {
    const field = oversizedEchoedField(message);
    if (field) {
      return sendJsonRpcError(
        res,
        400,
        RPC.invalidRequest,
        `Invalid Request: ${field} is longer than ${MAX_ECHOED_STRING_BYTES} bytes`,
      );
    }
  }
  next();
};
