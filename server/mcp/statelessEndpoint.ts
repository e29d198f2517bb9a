/**
 * Stateless Streamable HTTP: every POST is served by a fresh server and transport, so any instance can answer
 * any request behind a round-robin load balancer. There is no session and no GET stream (405).
 */
import type { RequestHandler } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { Logger } from '../logging/logger';
import type { McpServerFactory } from './serverFactory';

export interface StatelessEndpointOptions {
  buildServer: McpServerFactory;
  keepAliveMs: number;
  maxBodyBytes: number;
  logger: Logger;
}

export function statelessEndpoint(options: StatelessEndpointOptions): RequestHandler {
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
    res.once('close', () => {
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
