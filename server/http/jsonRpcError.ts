/** JSON-RPC error bodies for HTTP-level failures, so every client mistake gets a parseable answer. */
import type { Response } from 'express';

/** JSON-RPC 2.0 error codes used at the HTTP layer. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internalError: -32603,
  /** Implementation-defined server error (the MCP SDK uses it for transport-level refusals). */
  serverError: -32000,
} as const;

export function sendJsonRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  data?: Record<string, unknown>,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ jsonrpc: '2.0', error: { code, message, ...(data ? { data } : {}) }, id: null });
}
