/**
 * Idle SDK v2 servers reused one request at a time. `createMcpHandler` wants a fresh server per request (a server
 * still serving refuses a second exchange), but building one — registering every tool, resource and prompt — is most
 * of a request's cost. A server goes back to the pool when its exchange closes it; every request reseeds the
 * per-request state (negotiated revision, client identity and capabilities) from its own envelope, so nothing of
 * one caller reaches the next.
 */
import type { McpServer } from '@modelcontextprotocol/server';

/** Idle servers kept at most (beyond it a finished server is dropped): bounds memory after a burst. */
export const MAX_IDLE_SERVERS = 64;

export function pooledFactory(build: () => McpServer, maxIdle = MAX_IDLE_SERVERS): () => McpServer {
  const idle: McpServer[] = [];
  // Membership in a set: a scan of the idle list on every release showed in the profile at 50 concurrent calls.
  const isIdle = new Set<McpServer>();
  const release = (server: McpServer) => {
    if (idle.length < maxIdle && !isIdle.has(server)) {
      idle.push(server);
      isIdle.add(server);
    }
  };
  return () => {
    const reused = idle.pop();
    if (reused) isIdle.delete(reused);
    const server = reused ?? build();
    // The handler wraps `onclose` for the exchange and calls this one when the exchange has closed the server.
    server.server.onclose = () => release(server);
    return server;
  };
}
