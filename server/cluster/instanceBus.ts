/**
 * This instance among the others: a heartbeat key (so others can tell that a stream's instance stopped), one
 * subscriber connection shared by every open stream (channels are reference-counted), and a channel of its own
 * where other instances route client messages meant for it.
 */
import { randomBytes } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logging/logger';
import { safeError } from '../logging/safeError';
import { CHANNELS, KEYS } from './keys';
import type { SessionStoreConnections } from './redis';

/** A heartbeat older than this means the instance is gone (killed, or cut off from the store). */
export const HEARTBEAT_TTL_SECONDS = 3;
const HEARTBEAT_EVERY_MS = 1000;

/** A client message delivered to the instance that must act on it. */
export interface RoutedMessage {
  kind: 'session' | 'legacy';
  sessionId: string;
  message: JSONRPCMessage;
  /** The caller, token already redacted by the auth layer. */
  authInfo?: AuthInfo;
  /** A broadcast the sending instance has already acted on itself. */
  from?: string;
}

export class InstanceBus {
  /** Short and random: it prefixes the ids of this instance's streams and server-to-client requests. */
  readonly instanceId = randomBytes(6).toString('hex');
  private readonly listeners = new Map<
    string,
    { listeners: Set<() => void>; remote: number; subscribed?: Promise<void> }
  >();
  private heartbeat?: NodeJS.Timeout;
  /** True once the store confirmed this instance's channels on the current subscriber connection. */
  private subscribedNow = false;
  private stopped = false;
  onRouted?: (routed: RoutedMessage) => void;

  constructor(
    private readonly store: SessionStoreConnections,
    private readonly logger: Logger,
  ) {
    store.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === CHANNELS.instance(this.instanceId) || channel === CHANNELS.everyInstance)
        return this.receive(payload);
      this.notify(channel);
    });
  }

  async start(): Promise<void> {
    const beat = () =>
      this.store.commands.set(KEYS.instance(this.instanceId), '1', 'EX', HEARTBEAT_TTL_SECONDS).catch(() => undefined);
    void beat();
    this.heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
    // Without its channels this instance would miss what others route to it (cancellations, answers, legacy
    // messages): subscribe until the store confirms, and again on every new subscriber connection.
    this.store.subscriber.on('close', () => (this.subscribedNow = false));
    this.store.subscriber.on('ready', () => void this.subscribe());
    void this.subscribe();
  }

  /** True while routed messages can reach this instance (readiness reports it). */
  get subscribed(): boolean {
    return this.subscribedNow && this.store.subscriber.status === 'ready';
  }

  private subscribing = false;

  /** Resolves once subscribed (true), or after `timeoutMs` (false). */
  async waitSubscribed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.subscribed) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private async subscribe(): Promise<void> {
    if (this.subscribing) return;
    this.subscribing = true;
    let failures = 0;
    try {
      while (!this.stopped) {
        try {
          // Queued while the subscriber reconnects (its commands are retried forever), sent once it is back.
          await this.store.subscriber.subscribe(CHANNELS.instance(this.instanceId), CHANNELS.everyInstance);
          if (this.store.subscriber.status !== 'ready') continue; // confirmed by a connection that is gone since
          this.subscribedNow = true;
          if (failures > 0) this.logger.info({ attempts: failures + 1 }, 'subscribed to the instance channel');
          return;
        } catch (err) {
          // One line for the first failure, then one a minute: the store may be down for long.
          if (failures++ % 30 === 0)
            this.logger.warn(
              { err: safeError(err), attempts: failures },
              'could not subscribe to the instance channel; retrying',
            );
          await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(failures, 5), 2000)).unref());
        }
      }
    } finally {
      this.subscribing = false;
    }
  }

  /**
   * Calls `listener` on each wake-up of `channel` until `stop` is called: wake-ups from this process (`notify`)
   * always; from other instances too when `remote` (a Redis subscription, shared by all listeners of the channel).
   * `subscribed` resolves once remote wake-ups can arrive — read after it, or one sent meanwhile may be missed.
   */
  listen(channel: string, listener: () => void, remote: boolean): { subscribed: Promise<void>; stop: () => void } {
    let entry = this.listeners.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), remote: 0 };
      this.listeners.set(channel, entry);
    }
    entry.listeners.add(listener);
    let subscribed = Promise.resolve();
    if (remote && entry.remote++ === 0) {
      entry.subscribed = this.store.subscriber.subscribe(channel).then(
        () => undefined,
        () => undefined,
      );
    }
    if (remote) subscribed = entry.subscribed ?? subscribed;
    let stopped = false;
    return {
      subscribed,
      stop: () => {
        if (stopped) return;
        stopped = true;
        const current = this.listeners.get(channel);
        if (!current) return;
        current.listeners.delete(listener);
        if (remote && --current.remote === 0) {
          current.subscribed = undefined;
          void this.store.subscriber.unsubscribe(channel).catch(() => undefined);
        }
        if (current.listeners.size === 0) this.listeners.delete(channel);
      },
    };
  }

  /** A wake-up from this process (an event appended here): no round trip through Redis. */
  notify(channel: string): void {
    for (const listener of this.listeners.get(channel)?.listeners ?? []) listener();
  }

  async route(instanceId: string, routed: RoutedMessage): Promise<void> {
    if (instanceId === this.instanceId) return this.onRouted?.(routed);
    await this.store.commands.publish(CHANNELS.instance(instanceId), JSON.stringify(routed));
  }

  /** To every instance, this one included. */
  async broadcast(routed: RoutedMessage): Promise<void> {
    await this.store.commands.publish(CHANNELS.everyInstance, JSON.stringify(routed));
  }

  async isAlive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) return true;
    return (await this.store.commands.exists(KEYS.instance(instanceId))) === 1;
  }

  /** Stops the heartbeat and removes it: other instances answer for this one's unfinished streams at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.store.commands.del(KEYS.instance(this.instanceId)).catch(() => undefined);
  }

  private receive(payload: string): void {
    try {
      const routed = JSON.parse(payload) as RoutedMessage;
      if (routed.from === this.instanceId) return;
      this.onRouted?.(routed);
    } catch (err) {
      this.logger.warn({ err: safeError(err) }, 'unreadable routed message');
    }
  }
}
