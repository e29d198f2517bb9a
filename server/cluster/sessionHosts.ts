/**
 * The sessions this instance currently hosts: a server and a `ClusterTransport` each, built on first use — for
 * a session begun elsewhere, by replaying its `initialize` — and dropped when idle (the session itself lives on
 * in the store; another request rebuilds the host here or anywhere).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { safeError } from '../logging/safeError';
import type { McpServerFactory } from '../mcp/serverFactory';
import { ClusterTransport } from './clusterTransport';
import type { EventLog } from './eventLog';
import type { SessionRecord } from './sessionStore';

/** A host with no running request is dropped after this long without use. */
const HOST_IDLE_MS = 5 * 60_000;

interface Host {
  server: McpServer;
  transport: ClusterTransport;
  ready: Promise<void>;
  lastUsed: number;
}

export class SessionHosts {
  private readonly hosts = new Map<string, Host>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: {
      buildServer: McpServerFactory;
      log: EventLog;
      instanceId: string;
      drain: DrainController;
      logger: Logger;
    },
  ) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.hosts.size;
  }

  /** The host of a session; `record` undefined means a brand-new session (its `initialize` is being delivered). */
  async get(sessionId: string, record?: SessionRecord): Promise<ClusterTransport> {
    let host = this.hosts.get(sessionId);
    if (!host) {
      const { buildServer, log, instanceId, drain, logger } = this.options;
      const server = buildServer();
      const transport = new ClusterTransport(sessionId, instanceId, log, drain);
      transport.onerror = (err) => logger.warn({ err: safeError(err), session: sessionId }, 'MCP protocol error');
      const ready = server
        .connect(transport)
        .then(() => (record ? transport.restore(record.initialize, record.setLevel) : undefined));
      host = { server, transport, ready, lastUsed: Date.now() };
      this.hosts.set(sessionId, host);
      ready.catch(() => this.drop(sessionId));
    }
    host.lastUsed = Date.now();
    await host.ready;
    return host.transport;
  }

  /** The host if this instance has one (routed messages never build a host). */
  peek(sessionId: string): ClusterTransport | undefined {
    return this.hosts.get(sessionId)?.transport;
  }

  drop(sessionId: string): void {
    const host = this.hosts.get(sessionId);
    if (!host) return;
    this.hosts.delete(sessionId);
    void host.server.close().catch(() => undefined);
  }

  sweep(now = Date.now()): void {
    for (const [id, host] of this.hosts) {
      if (host.transport.running === 0 && now - host.lastUsed >= HOST_IDLE_MS) this.drop(id);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const ids = [...this.hosts.keys()];
    for (const id of ids) this.drop(id);
  }
}
