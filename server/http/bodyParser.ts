/**
 * JSON body parsing with a size bound, mapping every parser failure to the right status and a JSON-RPC
 * error body (malformed JSON → 400/-32700, too large → 413, bad charset or encoding → 415) instead of a 500.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ENV } from '../config/contract';
import { RPC, sendJsonRpcError } from './jsonRpcError';

export function jsonBody(limitBytes: number): RequestHandler {
  // Only bodies declared as JSON are parsed; anything else reaches the MCP transport, which answers 415.
  return express.json({ limit: limitBytes, strict: false, type: ['application/json', 'application/*+json'] });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** `entity.too.large`: the configured limit in bytes. */
  limit?: number;
}

export const bodyErrorHandler: ErrorRequestHandler = (err: BodyParserError, _req, res, next) => {
  switch (err?.type) {
    case 'entity.parse.failed':
      return sendJsonRpcError(res, 400, RPC.parseError, 'Parse error: request body is not valid JSON');
    case 'entity.too.large':
      // Names the setting, so whoever sees it (the client's developer, the operator) knows what to raise.
      return sendJsonRpcError(
        res,
        413,
        RPC.invalidRequest,
        `Payload too large: the request body exceeds ${typeof err.limit === 'number' ? `${err.limit} bytes, ` : ''}the server's ${ENV.maxBodyBytes}`,
      );
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return sendJsonRpcError(res, 415, RPC.invalidRequest, `Unsupported Media Type: ${err.message}`);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return sendJsonRpcError(res, 400, RPC.invalidRequest, 'Bad request body');
    default:
      // Other client-side body failures (a corrupt gzip/br/zstd body…) carry a 4xx status: never a 500.
      if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
        return sendJsonRpcError(res, err.status, RPC.invalidRequest, 'Bad request body');
      }
      return next(err);
  }
};

/** A POST must declare a JSON body: anything else is 415 before any session logic runs. */
export const requireJsonPost: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || req.is(['application/json', 'application/*+json'])) return next();
  sendJsonRpcError(res, 415, RPC.invalidRequest, 'Unsupported Media Type: Content-Type must be application/json');
};
