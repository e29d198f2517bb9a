/**
 * Session records in the shared store: who owns the session and the `initialize` it began with (enough for any
 * instance to rebuild its server). The record's TTL is the idle timeout, renewed by every request and by open
 * streams; when it lapses the session is gone everywhere (404).
 *
 * The session caps hold across all instances: two sorted sets (every live session, and each principal's) scored
 * by expiry time, so expired sessions drop out of the count without a sweeper.
 */
import { createHash } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { KEYS } from './keys';

export interface SessionRecord {
  principal: string;
  initialize: JSONRPCMessage;
  created: number;
  /** The last `logging/setLevel` request, replayed when another instance rebuilds the session. */
  setLevel?: JSONRPCMessage;
}

export interface SessionLimits {
  idleSeconds: number;
  maxSessions: number;
  maxSessionsPerPrincipal: number;
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly limits: SessionLimits,
  ) {}

  /**
   * Creates the session, or says which cap refuses it. The count and the insert are not one transaction (they
   * live in different cluster slots): a burst may overshoot a cap by the number of concurrent creations.
   */
  async create(sessionId: string, record: SessionRecord): Promise<'instance' | 'principal' | undefined> {
    const now = Date.now();
    const expires = now + this.limits.idleSeconds * 1000;
    const mine = principalIndex(record.principal);
    const [all, own] = await Promise.all([this.live(KEYS.allSessions, now), this.live(mine, now)]);
    if (all >= this.limits.maxSessions) return 'instance';
    if (own >= this.limits.maxSessionsPerPrincipal) return 'principal';
    await this.redis.set(KEYS.session(sessionId), JSON.stringify(record), 'EX', this.limits.idleSeconds, 'NX');
    await Promise.all([this.index(KEYS.allSessions, sessionId, expires), this.index(mine, sessionId, expires)]);
    return undefined;
  }

  /** The record if the session exists and belongs to `principal` (another principal is told it does not exist). */
  async get(sessionId: string, principal: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(KEYS.session(sessionId));
    if (!raw) return undefined;
    const record = JSON.parse(raw) as SessionRecord;
    return record.principal === principal ? record : undefined;
  }

  /** Keeps the session's log level for instances that rebuild it later. */
  async setLevel(sessionId: string, record: SessionRecord, setLevel: JSONRPCMessage): Promise<void> {
    await this.redis.set(KEYS.session(sessionId), JSON.stringify({ ...record, setLevel }), 'KEEPTTL', 'XX');
  }

  /** Activity: the session lives another idle period. */
  async touch(sessionId: string, principal: string): Promise<void> {
    const expires = Date.now() + this.limits.idleSeconds * 1000;
    await Promise.all([
      this.redis.expire(KEYS.session(sessionId), this.limits.idleSeconds),
      this.index(KEYS.allSessions, sessionId, expires),
      this.index(principalIndex(principal), sessionId, expires),
    ]);
  }

  async delete(sessionId: string, principal: string): Promise<void> {
    await Promise.all([
      this.redis.del(KEYS.session(sessionId)),
      this.redis.zrem(KEYS.allSessions, sessionId),
      this.redis.zrem(principalIndex(principal), sessionId),
    ]);
  }

  private async live(index: string, now: number): Promise<number> {
    await this.redis.zremrangebyscore(index, '-inf', now);
    return this.redis.zcard(index);
  }

  private async index(index: string, sessionId: string, expires: number): Promise<void> {
    await this.redis.zadd(index, expires, sessionId);
    await this.redis.pexpire(index, this.limits.idleSeconds * 1000);
  }
}

/** A principal's index key: hashed, so no identity (issuer, subject) is readable in key names. */
function principalIndex(principal: string): string {
  return KEYS.principalSessions(createHash('sha256').update(principal).digest('base64url').slice(0, 22));
}
