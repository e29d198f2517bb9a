/** The answer when an instance, or one caller, has as many sessions as allowed: 503 with Retry-After. */
import type { Response } from 'express';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { Logger } from '../logging/logger';
import type { SessionRegistry } from './sessionRegistry';

/** Seconds a client should wait before retrying when this instance cannot take a new session or stream. */
export const RETRY_AFTER_SECONDS = '5';

/** Answers 503 and returns true when no session may be created for `principal`. */
export function refuseIfAtSessionCap(registry: SessionRegistry, principal: string, res: Response, logger: Logger): boolean {
  const refusal = registry.refusal(principal);
  if (!refusal) return false;
  logger.warn({ sessions: registry.size, cap: refusal }, 'session cap reached');
  const message =
    refusal === 'instance'
      ? 'Too many sessions on this instance; retry later'
      : 'Too many sessions for this caller; end unused sessions (DELETE) or retry later';
  sendJsonRpcError(res, 503, RPC.serverError, message, { 'Retry-After': RETRY_AFTER_SECONDS });
  return true;
}
