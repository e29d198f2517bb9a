/**
 * `Retry-After` of every 503 that asks the client to come back: a draining instance, a session cap, an unreachable
 * session store (MCP endpoints) or authorization server store (broker sign-in). One value, so all of them agree.
 */

/** Seconds a client should wait before retrying when this instance cannot serve it right now. */
export const RETRY_AFTER_SECONDS = '5';
