/**
 * `oidc-provider` storage in Redis (the session store, `REDIS_URL`), so any instance can serve any step of a
 * sign-in: clients, interactions, codes, grants, sessions and refresh tokens. Each artifact is one JSON value with
 * the artifact's own TTL. Consumption (codes, rotated refresh tokens) is an atomic `SET NX` beside it, so a code or
 * token redeemed twice at once on two instances is still seen as reused. No multi-key command spans two keys'
 * hash slots, so a Redis Cluster (ElastiCache Serverless) works too.
 */
import type { Redis } from 'ioredis';
import { toHostRealm } from '../../esm';
import type { OidcAdapter } from '../oidcProvider';

type Payload = Parameters<OidcAdapter['upsert']>[1];

const PREFIX = 'mcp:as:';
/** Artifacts without their own expiry (dynamically registered clients) are kept this long after last use. */
const DEFAULT_TTL_SECONDS = 90 * 24 * 3600;

export function redisAdapter(redis: Redis): (model: string) => OidcAdapter {
  const key = (model: string, id: string) => `${PREFIX}${model}:{${id}}`;
  const consumedKey = (model: string, id: string) => `${PREFIX}${model}:{${id}}:consumed`;
  const grantKey = (grantId: string) => `${PREFIX}grant:{${grantId}}`;
  const uidKey = (uid: string) => `${PREFIX}uid:{${uid}}`;
  const userCodeKey = (code: string) => `${PREFIX}usercode:{${code}}`;

  class RedisAdapter implements OidcAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const ttl = expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : DEFAULT_TTL_SECONDS;
      const k = key(this.model, id);
      await redis.set(k, JSON.stringify(payload), 'EX', ttl);
      if (payload.grantId) {
        // The grant's index lives as long as its longest artifact.
        const g = grantKey(payload.grantId);
        await redis.rpush(g, `${this.model}\u0000${id}`);
        const current = await redis.ttl(g);
        if (current < ttl) await redis.expire(g, ttl);
      }
      if (payload.uid) await redis.set(uidKey(payload.uid), id, 'EX', ttl);
      if (payload.userCode) await redis.set(userCodeKey(payload.userCode), id, 'EX', ttl);
    }

    async find(id: string): Promise<Payload | undefined> {
      const [raw, consumed] = await Promise.all([
        redis.get(key(this.model, id)),
        redis.get(consumedKey(this.model, id)),
      ]);
      if (!raw) return undefined;
      const payload = JSON.parse(raw) as Payload;
      if (consumed) payload.consumed = Number(consumed);
      return toHostRealm(payload);
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = await redis.get(uidKey(uid));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = await redis.get(userCodeKey(userCode));
      return id ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const k = key(this.model, id);
      const ttl = await redis.ttl(k);
      await redis.set(
        consumedKey(this.model, id),
        String(Math.floor(Date.now() / 1000)),
        'EX',
        ttl > 0 ? ttl : 60,
        'NX',
      );
    }

    async destroy(id: string): Promise<void> {
      await redis.del(key(this.model, id));
      await redis.del(consumedKey(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const g = grantKey(grantId);
      const members = await redis.lrange(g, 0, -1);
      for (const member of members) {
        const [model, id] = member.split('\u0000') as [string, string];
        await redis.del(key(model, id));
      }
      await redis.del(g);
    }
  }
  // A factory, like the memory adapter (see `memoryAdapter` on realms).
  return (model: string) => new RedisAdapter(model);
}
