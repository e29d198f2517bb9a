/**
 * The SDK v2 side of the 2026-07-28 leg: the `createMcpHandler` (legacy: 'reject') over pooled servers, and the SDK's
 * own era classification. Loaded on the first request to the MCP endpoint, not at start-up: the v2 packages are a
 * large share of the start-up time (measured: bench/coldStart.ts), and `/readyz` need not wait for them.
 */
import { createMcpHandler, isLegacyRequest, McpServer, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { ModernCapabilityContext } from '../capabilities/types';
import { DEFAULTS } from '../config/contract';
import { instrumentMcpServer } from '../observability/mcpSpans';
import { modernDefinitions, type ToolRoundState } from './definitions';
import type { ModernEndpointOptions } from './endpoint';
import { listenStreams, type ListenStreams } from './listenStreams';
import { requestStateKeyring } from './requestState';
import { pooledFactory } from './serverPool';

export interface ModernSdk {
  handler: McpHttpHandler;
  isLegacyRequest: typeof isLegacyRequest;
  /** Open `subscriptions/listen` streams, held cheaply once the handler has acknowledged them. */
  listen: ListenStreams;
}

export function buildModernHandler(options: ModernEndpointOptions): ModernSdk {
  const { capabilities, context, logger } = options;
  const keyring = requestStateKeyring<ToolRoundState>(options.requestStateKeys);
  const register = modernDefinitions(capabilities, keyring);
  const serverOptions = {
    instructions: capabilities.instructions,
    capabilities: capabilities.capabilities as never,
    requestState: { verify: keyring.verify },
  };
  let modernContext: ModernCapabilityContext | undefined;
  const factory = pooledFactory(() => {
    const server = new McpServer({ name: capabilities.name, version: capabilities.version }, serverOptions);
    // One span and duration point per request when telemetry is on (a no-op otherwise), as in the 2025 eras.
    instrumentMcpServer(server);
    register(server);
    if (capabilities.registerModern && modernContext) capabilities.registerModern(server, modernContext);
    return server;
  });
  const handler = createMcpHandler(factory, {
    legacy: 'reject',
    keepAliveMs: options.keepAliveMs,
    maxRequestBodySize: options.maxBodyBytes,
    bus: options.bus,
    // Refused requests are the client's business (answered on the wire); only our own failures are worth a line.
    onerror: (err) =>
      logger.debug({ err: { name: err.name, message: err.message } }, 'modern MCP request refused or failed'),
  });

  modernContext = {
    ...context,
    notify: handler.notify,
    mintRequestState: (payload, ctx) => keyring.mint(payload as ToolRoundState, ctx),
  };
  // Listen streams are validated and acknowledged by the handler, then held by this module (memory per stream).
  const listen = listenStreams({
    bus: handler.bus,
    keepAliveMs: options.keepAliveMs,
    drain: options.drain,
    retryMs: options.retryMs,
    maxStreams: options.maxListenStreams ?? DEFAULTS.maxSessions,
    maxStreamsPerPrincipal: options.maxListenStreamsPerPrincipal ?? DEFAULTS.maxSessionsPerPrincipal,
    logger,
  });
  return { handler, isLegacyRequest, listen };
}
