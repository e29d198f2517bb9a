/**
 * Scale-out of stateful mode over a shared store (`REDIS_URL`): wires the store, this instance's place among the
 * others, the session hosts and the endpoints. See `clusteredEndpoint.ts` for how a session is served anywhere.
 */
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import type { LegacySseEndpoints, LegacyRouting } from '../mcp/legacySseEndpoint';
import type { McpServerFactory } from '../mcp/serverFactory';
import { clusteredEndpoint, type ClusteredEndpoint } from './clusteredEndpoint';
import { EventLog } from './eventLog';
import { InstanceBus } from './instanceBus';
import { legacyRouting } from './legacyRouting';
import { connectSessionStore, STALL_BOUND_MS, waitForSessionStore } from './redis';
import { safeError } from '../logging/safeError';
import { SessionHosts } from './sessionHosts';
import { SessionStore } from './sessionStore';

/** How long start-up waits for the store before going on without it. */
const STARTUP_WAIT_MS = 5000;

export interface ClusterOptions {
  redisUrl: string;
  /** The store speaks the Redis Cluster protocol. */
  redisCluster?: boolean;
  buildServer: McpServerFactory;
  drain: DrainController;
  keepAliveMs: number;
  retryMs: number;
  sessionIdleSeconds: number;
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  logger: Logger;
}

export interface Cluster {
  readonly endpoint: ClusteredEndpoint;
  readonly legacyRouting: LegacyRouting;
  /** Why this instance cannot serve sessions now (for readiness), or undefined. */
  problem(): string | undefined;
  /** Hands routed legacy messages to the legacy endpoint. */
  attachLegacy(legacy: LegacySseEndpoints): void;
  readonly instanceId: string;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { logger } = options;
  const store = connectSessionStore(options.redisUrl, logger, { cluster: options.redisCluster });
  const bus = new InstanceBus(store, logger);
  const log = new EventLog(store.commands, store.writer, options.sessionIdleSeconds, (channel) => bus.notify(channel));
  const sessions = new SessionStore(store.commands, {
    idleSeconds: options.sessionIdleSeconds,
    maxSessions: options.maxSessions,
    maxSessionsPerPrincipal: options.maxSessionsPerPrincipal,
  });
  // Why this instance cannot take requests now, or undefined. The store answering but this instance not yet
  // subscribed is not ready either: what other instances route here would be lost.
  const problem = (): string | undefined => {
    if (!store.ready) return 'session store unreachable';
    if (store.stalledMs() > STALL_BOUND_MS) return 'session store not answering';
    if (!bus.subscribed) return 'not subscribed to the instance channel';
    return undefined;
  };
  const hosts = new SessionHosts({
    buildServer: options.buildServer,
    log,
    instanceId: bus.instanceId,
    drain: options.drain,
    logger,
  });
  const endpoint = clusteredEndpoint({
    log,
    bus,
    sessions,
    redis: store.commands,
    hosts,
    drain: options.drain,
    keepAliveMs: options.keepAliveMs,
    retryMs: options.retryMs,
    logger,
    storeReady: () => problem() === undefined,
  });
  let legacy: LegacySseEndpoints | undefined;
  bus.onRouted = (routed) => {
    if (routed.kind === 'session') return endpoint.receive(routed);
    void legacy
      ?.deliver(routed.sessionId, routed.message, routed.authInfo)
      .catch((err: unknown) => logger.warn({ err: safeError(err) }, 'routed legacy message failed'));
  };
  // An instance whose store is down still starts (not ready: /readyz 503) and heals when the store is back.
  const storeUp = await waitForSessionStore(store, STARTUP_WAIT_MS).then(
    () => true,
    (err: Error) => (logger.warn({ err: err.message }, 'starting without the session store'), false),
  );
  await bus.start();
  // With the store up, start ready: subscribed before the first request.
  if (storeUp && !(await bus.waitSubscribed(STARTUP_WAIT_MS)))
    logger.warn('starting before the instance channel is subscribed');
  logger.info({ instance: bus.instanceId }, 'stateful sessions in the shared store (REDIS_URL)');
  return {
    endpoint,
    legacyRouting: legacyRouting(store, bus, options.keepAliveMs / 1000),
    problem,
    attachLegacy: (l) => (legacy = l),
    instanceId: bus.instanceId,
    async close() {
      await hosts.closeAll();
      await bus.stop();
      await store.close();
    },
  };
}
