/**
 * The answers when this instance cannot take a new session or stream — it is draining, or the instance or the
 * caller has as many sessions as allowed: 503 with Retry-After, so the client retries (elsewhere).
 */
import type { Response } from 'express';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { RETRY_AFTER_SECONDS } from '../http/retryAfter';
import type { SessionRegistry } from './sessionRegistry';

/** Answers 503 and returns true when no session may be created for `principal`. */
export function refuseIfAtSessionCap(
  registry: SessionRegistry,
  principal: string,
  res: Response,
  logger: Logger,
): boolean {
  const refusal = registry.refusal(principal);
  if (!refusal) return false;
  logger.warn({ sessions: registry.size, cap: refusal }, 'session cap reached');
  refuseAtSessionCap(refusal, res);
  return true;
}

/** The 503 for a session refused by a cap: the whole server's (`instance`) or the caller's (`principal`). */
export function refuseAtSessionCap(refusal: 'instance' | 'principal', res: Response): void {
  const message =
    refusal === 'instance'
      ? 'Too many sessions on this server; retry later'
      : 'Too many sessions for this caller; end unused sessions (DELETE) or retry later';
  sendJsonRpcError(res, 503, RPC.serverError, message, { 'Retry-After': RETRY_AFTER_SECONDS });
}

/** Answers 503 and returns true while the instance drains. */
export function refuseWhileDraining(drain: DrainController, res: Response): boolean {
  if (!drain.draining) return false;
  sendJsonRpcError(res, 503, RPC.serverError, 'Server is shutting down; retry on another instance', {
    'Retry-After': RETRY_AFTER_SECONDS,
  });
  return true;
}
