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
  const release = (server: McpServer) => {
    if (idle.length < maxIdle && !idle.includes(server)) idle.push(server);
  };
  return () => {
    const server = idle.pop() ?? build();
    // The handler wraps `onclose` for the exchange and calls this one when the exchange has closed the server.
    server.server.onclose = () => release(server);
    return server;
  };
}
