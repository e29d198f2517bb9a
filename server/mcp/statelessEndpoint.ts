/**
 * Stateless Streamable HTTP: every POST is served by a fresh server and transport, so any instance can answer
 * any request behind a round-robin load balancer. There is no session and no GET stream (405).
 */
import type { RequestHandler } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { Logger } from '../logging/logger';
import type { McpServerFactory } from './serverFactory';
import { StatelessCallIndex } from './cancellation';
import { principalKey } from '../capabilities/principal';
import '../http/requestAuth';

export interface StatelessEndpointOptions {
  buildServer: McpServerFactory;
  keepAliveMs: number;
  maxBodyBytes: number;
  logger: Logger;
}

export function statelessEndpoint(options: StatelessEndpointOptions): RequestHandler {
  const inFlight = new StatelessCallIndex();
  return async (req, res) => {
    if (req.method !== 'POST') {
      return sendJsonRpcError(res, 405, RPC.serverError, 'Method not allowed: this server is stateless (no sessions, no GET stream)', {
        Allow: 'POST',
      });
    }
    const server = options.buildServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxBodyBytes,
    });
    const caller = principalKey(req.auth);
    inFlight.cancel(caller, req.body);
    const unregister = inFlight.register(caller, req.body, transport);
    res.once('close', () => {
      unregister();
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      options.logger.error({ err }, 'stateless request failed');
      sendJsonRpcError(res, 500, RPC.internalError, 'Internal server error');
    }
  };
}
