/**
 * Names in the shared session store. A session's keys share a hash tag (`{<session id>}`) so they live in one
 * slot of a Redis Cluster / ElastiCache Serverless and multi-key operations stay legal.
 */
export const KEYS = {
  /** The session record (JSON, with a TTL refreshed by activity). */
  session: (sessionId: string) => `mcp:{${sessionId}}:session`,
  /** The events of one stream of a session (a Redis stream, bounded, with a TTL). */
  events: (sessionId: string, streamId: string) => `mcp:{${sessionId}}:ev:${streamId}`,
  /** Claim taken by the one instance that answers for a stream whose instance stopped. */
  orphanClaim: (sessionId: string, streamId: string) => `mcp:{${sessionId}}:orphan:${streamId}`,
  /** A legacy HTTP+SSE session: which instance holds its stream. */
  legacy: (sessionId: string) => `mcp:legacy:{${sessionId}}`,
  /** Every live session, scored by expiry (the `MCP_MAX_SESSIONS` cap across instances). */
  allSessions: 'mcp:sessions',
  /** One principal's live sessions, scored by expiry (the `MCP_MAX_SESSIONS_PER_PRINCIPAL` cap). */
  principalSessions: (principalHash: string) => `mcp:principal:${principalHash}`,
  /** An instance's heartbeat: present while the instance runs. */
  instance: (instanceId: string) => `mcp:instance:${instanceId}`,
} as const;

export const CHANNELS = {
  /** New events on one stream of a session. */
  events: (sessionId: string, streamId: string) => `mcp:{${sessionId}}:ev:${streamId}`,
  /** Messages routed to one instance (client messages for calls it runs, legacy messages for streams it holds). */
  instance: (instanceId: string) => `mcp:to:${instanceId}`,
  /** Messages for whichever instance is concerned (cancellations). */
  everyInstance: 'mcp:to-all',
} as const;
