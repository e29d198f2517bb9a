/**
 * The app factory: wires configuration, auth, transports, health and drain into an express app.
 * Teams call `createMcpApp({ config, capabilities })` with their own capability set.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { createAuthLayer, type AuthLayer } from './auth';
import { referenceCapabilities } from './capabilities/reference';
import { toolScopesOf, type CapabilitySet } from './capabilities/types';
import { NODE_KEEP_ALIVE_TIMEOUT_SECONDS, PATHS } from './config/contract';
import type { ServerConfig } from './config/env';
import { isLoopbackHost } from './config/env';
import { bodyErrorHandler, jsonBody, requireJsonPost } from './http/bodyParser';
import { mcpCors } from './http/cors';
import { healthRoutes } from './http/health';
import { landingPage } from './http/landing';
import { RPC, sendJsonRpcError } from './http/jsonRpcError';
import { loopbackHostGuard, originGuard } from './http/originGuard';
import { requestLog } from './http/requestLog';
import { streamGuard, type StreamGuard } from './http/streamGuard';
import { DrainController } from './lifecycle/drain';
import { createLogger, type Logger } from './logging/logger';
import { inMemoryEventStores, type EventStoreFactory } from './mcp/eventStore';
import { refuseOversizedEchoes } from './mcp/echoedValues';
import { legacySseEndpoints } from './mcp/legacySseEndpoint';
import type { McpServerFactory } from './mcp/serverFactory';
import { SessionRegistry } from './mcp/sessionRegistry';
import { sharedStatelessEndpoint, type SharedStatelessEndpoint } from './mcp/sharedStatelessEndpoint';
import { isListen, modernEndpoint } from './modern/endpoint';
import { packageVersion } from './version';
import { activateHttpSpan, httpSpan } from './observability/httpSpan';
import { observeDrain } from './observability/instruments';
import { startTelemetry } from './observability/telemetry';
import type { Cluster } from './cluster';

export interface CreateMcpAppOptions {
  config: ServerConfig;
  /** Tools, resources and prompts. @default the reference set (echo, whoami, countdown, confirm, server://info) */
  capabilities?: CapabilitySet;
  /** @default a pino logger at `config.logLevel` */
  logger?: Logger;
  /** Where stateful sessions keep events for resumability. @default bounded in-memory stores */
  eventStores?: EventStoreFactory;
  /**
   * Tests only (broker mode): replaces the fetch of Client ID Metadata Documents. The default refuses loopback and
   * private addresses, as production must.
   */
  clientMetadataFetch?: typeof fetch;
}

export interface McpApp {
  readonly app: Express;
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly drain: DrainController;
  readonly sessions: SessionRegistry;
  /** Backpressure on response streams: counts the streams ended because their client did not read. */
  readonly streams: StreamGuard;
  /** Starts listening on `config.host:config.port`; resolves with the bound server and its base URL. */
  listen(): Promise<{ server: Server; url: string }>;
  /**
   * Graceful shutdown: readiness goes 503, new sessions and streams are refused, open streams get a reconnect
   * hint and close, in-flight calls finish within `config.drainSeconds`; then everything is closed.
   * Resolves `true` when every call finished in time.
   */
  shutdown(): Promise<boolean>;
}

/** Reconnect delay suggested to SSE clients (priming events, drain). */
const RETRY_MS = 2000;

export async function createMcpApp(options: CreateMcpAppOptions): Promise<McpApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const version = packageVersion();
  // Before anything builds an MCP server: the request handlers are instrumented only when telemetry is on.
  const telemetry = await startTelemetry({ logger, version });
  const given = options.capabilities ?? referenceCapabilities(version, config.sessionMode);
  // Per-tool scopes come from the tool definitions (the auth layer reads `toolScopes`).
  const capabilities: CapabilitySet = { ...given, toolScopes: toolScopesOf(given) };
  const drain = new DrainController();
  if (telemetry.metrics) observeDrain(() => drain.draining);
  const sessions = new SessionRegistry({
    maxSessions: config.maxSessions,
    maxSessionsPerPrincipal: config.maxSessionsPerPrincipal,
    idleSeconds: config.sessionIdleSeconds,
    onExpire: (s) => logger.info({ session: s.id }, 'session expired (idle)'),
  });
  const auth: AuthLayer = await createAuthLayer(config, {
    logger,
    capabilities,
    clientMetadataFetch: options.clientMetadataFetch,
  });
  // The SDK v1 server (2025/2024 eras) is loaded by the first MCP request, not at start-up: `/readyz` answers sooner
  // (bench/coldStart.ts). Stateful and cluster modes build servers from their own events and load it here.
  let legacyFactory: McpServerFactory | undefined;
  let legacyLoading: Promise<McpServerFactory> | undefined;
  const loadLegacySdk = () =>
    (legacyLoading ??= import('./mcp/serverFactory').then(
      (m) => (legacyFactory = m.mcpServerFactory(capabilities, { sessionMode: config.sessionMode, version })),
    ));
  const buildServer: McpServerFactory = () => {
    if (!legacyFactory) throw new Error('the SDK v1 server factory is used before it was loaded');
    return legacyFactory();
  };
  const withLegacySdk: express.RequestHandler = (_req, _res, next) =>
    legacyFactory ? next() : void loadLegacySdk().then(() => next(), next);
  if (config.sessionMode === 'stateful') await loadLegacySdk();
  const keepAliveMs = config.keepAliveSeconds * 1000;
  // A supported set-up (stateless on several instances): say what Redis is for, since no session is kept there.
  if (config.redisUrl && config.sessionMode !== 'stateful' && config.auth.mode !== 'broker') {
    logger.info(
      'REDIS_URL with MCP_SESSION_MODE stateless: Redis carries 2026-07-28 listen notifications between instances; sessions are not stored',
    );
  }
  // Stateful sessions in the shared store: any instance serves any session.
  const cluster: Cluster | undefined =
    config.redisUrl && config.sessionMode === 'stateful'
      ? await (
          await import('./cluster')
        ).startCluster({
          redisUrl: config.redisUrl,
          redisCluster: config.redisClusterMode,
          buildServer,
          drain,
          keepAliveMs,
          retryMs: RETRY_MS,
          sessionIdleSeconds: config.sessionIdleSeconds,
          maxSessions: config.maxSessions,
          maxSessionsPerPrincipal: config.maxSessionsPerPrincipal,
          logger,
        })
      : undefined;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLog(logger));
  // Tracing on: an HTTP span per request, re-entered right before the MCP handlers (their spans are its children).
  const traced: express.RequestHandler[] = telemetry.tracing ? [activateHttpSpan] : [];
  if (telemetry.tracing) app.use(httpSpan);
  app.use((_req, res, next) => {
    // While draining, each response closes its connection so the client's next request goes elsewhere.
    if (drain.draining) res.setHeader('Connection', 'close');
    next();
  });
  app.use(healthRoutes(drain, () => cluster?.problem() ?? auth.problem?.()));
  if (isLoopbackHost(config.host)) app.use(loopbackHostGuard(config.publicUrl.hostname));

  const streams = streamGuard(config.streamBufferBytes, logger);
  const guarded = [mcpCors(config.allowedOrigins), originGuard(config.allowedOrigins)];
  const noBuffering: express.RequestHandler = (_req, res, next) => {
    // Streams must reach the client as they are written: no proxy buffering (nginx honours this header).
    res.setHeader('X-Accel-Buffering', 'no');
    next();
  };
  // Auth routes set their own CORS: metadata is public (any origin), and browser-based clients (the MCP
  // Inspector) register and fetch tokens from their own origin, which the MCP allow-list need not include.
  if (auth.routes) app.use(auth.routes);

  // MCP is served at the public URL's path — `/` for a bare origin (the most common client config) — and at `/mcp`.
  const mcpPath = config.publicUrl.pathname.replace(/\/+$/, '') || '/';
  // Stateless: one long-lived server answers every request (no per-request construction), built by the first one.
  let stateless: SharedStatelessEndpoint | undefined;
  let statelessStarting: Promise<SharedStatelessEndpoint> | undefined;
  const statelessHandler: express.RequestHandler = (req, res, next) => {
    if (stateless) return stateless.handler(req, res, next);
    statelessStarting ??= sharedStatelessEndpoint({ buildServer, keepAliveMs, logger }).then((s) => (stateless = s));
    void statelessStarting.then((s) => s.handler(req, res, next), next);
  };
  const mcpHandler = cluster
    ? cluster.endpoint.handler
    : config.sessionMode === 'stateful'
      ? (await import('./mcp/statefulEndpoint')).statefulEndpoint({
          buildServer,
          registry: sessions,
          eventStores: options.eventStores ?? inMemoryEventStores(),
          drain,
          keepAliveMs,
          retryMs: RETRY_MS,
          maxBodyBytes: config.maxBodyBytes,
          logger,
        })
      : statelessHandler;
  // 2026-07-28 listen streams hear list changes made through any instance.
  const listenBus = config.redisUrl
    ? (await import('./modern/eventBus')).redisEventBus(config.redisUrl, logger, { cluster: config.redisClusterMode })
    : undefined;
  const modern = modernEndpoint({
    bus: listenBus,
    capabilities,
    context: { sessionMode: config.sessionMode, version },
    requestStateKeys: config.requestStateKeys ?? generatedRequestStateKeys(logger, Boolean(config.redisUrl)),
    keepAliveMs,
    maxBodyBytes: config.maxBodyBytes,
    logger,
    drain,
    retryMs: RETRY_MS,
    maxListenStreams: config.maxSessions,
    maxListenStreamsPerPrincipal: config.maxSessionsPerPrincipal,
  });
  // A GET stream or a 2026-07-28 listen stream carries no call: the drain closes it (with a retry hint) instead of waiting.
  const trackCalls: express.RequestHandler = (req, res, next) =>
    req.method === 'GET' || isListen(req.body) ? next() : drain.track(req, res, next);
  const mcpPaths = [...new Set([mcpPath, PATHS.mcp])];
  // A person opening `/` learns where MCP is; MCP clients (POST, DELETE, GET for SSE) pass through.
  app.get('/', landingPage(config.publicUrl));
  app.all(
    mcpPaths,
    ...guarded,
    noBuffering,
    requireJsonPost,
    jsonBody(config.maxBodyBytes),
    trackCalls,
    auth.authenticate,
    refuseOversizedEchoes,
    streams.middleware,
    withLegacySdk,
    ...traced,
    modern.route(mcpHandler),
  );

  const legacy = legacySseEndpoints({
    buildServer,
    registry: sessions,
    drain,
    messagesPath: PATHS.messages,
    keepAliveMs,
    retryMs: RETRY_MS,
    logger,
    routing: cluster?.legacyRouting,
  });
  cluster?.attachLegacy(legacy);
  app.get(PATHS.sse, ...guarded, auth.authenticate, streams.middleware, withLegacySdk, ...traced, legacy.stream);
  app.post(
    PATHS.messages,
    ...guarded,
    requireJsonPost,
    jsonBody(config.maxBodyBytes),
    auth.authenticate,
    refuseOversizedEchoes,
    withLegacySdk,
    ...traced,
    legacy.messages,
  );
  app.options([PATHS.sse, PATHS.messages], ...guarded);

  const notFound = `Not found: the MCP endpoint is ${config.publicUrl.href}`;
  app.use((_req, res) => sendJsonRpcError(res, 404, RPC.invalidRequest, notFound));
  app.use(bodyErrorHandler);
  const lastResort: ErrorRequestHandler = (err, _req, res, _next) => {
    logger.error({ err }, 'unhandled error');
    sendJsonRpcError(res, 500, RPC.internalError, 'Internal server error');
  };
  app.use(lastResort);

  let httpServer: Server | undefined;
  let shuttingDown: Promise<boolean> | undefined;

  return {
    app,
    config,
    logger,
    drain,
    sessions,
    streams,
    listen: () =>
      new Promise((resolve, reject) => {
        const server = app.listen(config.port, config.host);
        // Idle keep-alive connections outlive any load balancer's idle timeout (the balancer closes first). Receiving
        // a request keeps Node's bounds (headers 60 s, whole request 300 s): they limit uploads, not SSE responses.
        server.keepAliveTimeout = NODE_KEEP_ALIVE_TIMEOUT_SECONDS * 1000;
        server.headersTimeout = 60_000;
        server.requestTimeout = 300_000;
        server.once('error', reject);
        server.once('listening', () => {
          httpServer = server;
          const { port } = server.address() as AddressInfo;
          const host = config.host.includes(':') ? `[${config.host}]` : config.host;
          resolve({ server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` });
        });
      }),
    shutdown: () =>
      (shuttingDown ??= (async () => {
        logger.info({ drainSeconds: config.drainSeconds, inFlight: drain.inFlightCount }, 'draining');
        // Keep listening while draining: health checks must see 503 (not a refused connection) and requests the
        // load balancer still sends are served. Idle keep-alive connections are closed so clients reconnect elsewhere.
        httpServer?.closeIdleConnections();
        const finished = await drain.drain(config.drainSeconds * 1000);
        logger.info({ finished, inFlight: drain.inFlightCount }, finished ? 'drained' : 'drain deadline reached');
        await sessions.closeAll();
        await (await statelessStarting)?.close();
        await modern.close();
        await listenBus?.close();
        await cluster?.close();
        await auth.close();
        await telemetry.flush();
        await new Promise<void>((resolve) => {
          if (!httpServer) return resolve();
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
        return finished;
      })()),
  };
}

/** Loopback only (the config refuses anything else): one key in memory, so state verifies on this process only. */
function generatedRequestStateKeys(logger: Logger, severalInstances: boolean): Uint8Array[] {
  if (severalInstances) {
    logger.warn(
      'MCP_REQUEST_STATE_KEYS is not set: generated in memory, so a 2026-07-28 retry that reaches another instance is refused',
    );
  }
  return [new Uint8Array(randomBytes(32))];
}
