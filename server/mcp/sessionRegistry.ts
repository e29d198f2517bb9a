/**
 * Live sessions of this instance: each bound to the principal that created it, expired when idle, capped in
 * number. Used by the stateful Streamable HTTP endpoint and by the legacy HTTP+SSE endpoint.
 */
import { sessionClosed, sessionOpened } from '../observability/instruments';

export interface Session {
  readonly id: string;
  /** Principal binding (see `principalKey`): another principal presenting this id is told it does not exist. */
  readonly principal: string;
  /** Ends the session and frees its resources. */
  close(): Promise<void> | void;
  /** Time of the last request, ms since epoch. */
  lastSeen: number;
  /** Requests or streams of this session currently open (an open stream is not idle). */
  active: number;
}

export class SessionRegistry<S extends Session = Session> {
  private readonly sessions = new Map<string, S>();
  private readonly perPrincipal = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: {
      maxSessions: number;
      /** @default maxSessions */
      maxSessionsPerPrincipal?: number;
      idleSeconds: number;
      onExpire?: (session: S) => void;
    },
  ) {
    // Sweep often enough that expiry is at most ~10% late, but never busier than every second.
    const everyMs = Math.max(1000, Math.min(60_000, (options.idleSeconds * 1000) / 10));
    this.sweeper = setInterval(() => this.sweep(), everyMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Why no further session may be created for `principal` (`instance` or `principal` cap), or undefined when one
   * may. Past a cap new sessions get 503 + Retry-After.
   */
  refusal(principal: string): 'instance' | 'principal' | undefined {
    if (this.sessions.size >= this.options.maxSessions) return 'instance';
    const cap = this.options.maxSessionsPerPrincipal ?? this.options.maxSessions;
    if ((this.perPrincipal.get(principal) ?? 0) >= cap) return 'principal';
    return undefined;
  }

  add(session: S): void {
    if (this.sessions.has(session.id)) return;
    this.sessions.set(session.id, session);
    sessionOpened(session);
    this.perPrincipal.set(session.principal, (this.perPrincipal.get(session.principal) ?? 0) + 1);
  }

  /** The session, only if it exists and belongs to `principal`. */
  get(id: string | undefined, principal: string): S | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    return session && session.principal === principal ? session : undefined;
  }

  /** The session whatever its principal — for messages already authorised elsewhere (routed between instances). */
  peek(id: string): S | undefined {
    return this.sessions.get(id);
  }

  remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    sessionClosed(session);
    this.release(session.principal);
  }

  private release(principal: string): void {
    const left = (this.perPrincipal.get(principal) ?? 1) - 1;
    if (left > 0) this.perPrincipal.set(principal, left);
    else this.perPrincipal.delete(principal);
  }

  /** Marks a request of the session as started; the returned function marks it ended. */
  touch(session: S): () => void {
    session.active++;
    session.lastSeen = Date.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      session.active--;
      session.lastSeen = Date.now();
    };
  }

  sweep(now = Date.now()): void {
    const idleMs = this.options.idleSeconds * 1000;
    for (const session of this.sessions.values()) {
      if (session.active === 0 && now - session.lastSeen >= idleMs) {
        this.remove(session.id);
        this.options.onExpire?.(session);
        Promise.resolve()
          .then(() => session.close())
          .catch(() => undefined);
      }
    }
  }

  all(): S[] {
    return [...this.sessions.values()];
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const sessions = this.all();
    for (const session of sessions) sessionClosed(session);
    this.sessions.clear();
    this.perPrincipal.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}
