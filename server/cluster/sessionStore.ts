/**
 * Session records in the shared store: who owns the session and the `initialize` it began with (enough for any
 * instance to rebuild its server). The record's TTL is the idle timeout, renewed by every request and by open
 * streams; when it lapses the session is gone everywhere (404).
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { KEYS } from './keys';

export interface SessionRecord {
  principal: string;
  initialize: JSONRPCMessage;
  created: number;
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    readonly idleSeconds: number,
  ) {}

  async create(sessionId: string, record: SessionRecord): Promise<void> {
    await this.redis.set(KEYS.session(sessionId), JSON.stringify(record), 'EX', this.idleSeconds, 'NX');
  }

  /** The record if the session exists and belongs to `principal` (another principal is told it does not exist). */
  async get(sessionId: string, principal: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(KEYS.session(sessionId));
    if (!raw) return undefined;
    const record = JSON.parse(raw) as SessionRecord;
    return record.principal === principal ? record : undefined;
  }

  /** Activity: the session lives another idle period. */
  async touch(sessionId: string): Promise<void> {
    await this.redis.expire(KEYS.session(sessionId), this.idleSeconds);
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(KEYS.session(sessionId));
  }
}
