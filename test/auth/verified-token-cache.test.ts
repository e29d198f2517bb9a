/** The verified-token cache: one signature check per token, never past expiry or the maximum age, refusals not kept. */
import { cacheVerifiedTokens } from '../../server/auth/resourceServer/verifiedTokenCache';
import type { VerifiedToken } from '../../server/auth/resourceServer/tokenValidator';

function counting(result: (token: string) => VerifiedToken) {
  const calls: string[] = [];
  return {
    calls,
    validator: {
      validate: async (token: string) => {
        calls.push(token);
        if (token === 'bad') throw new Error('invalid');
        return result(token);
      },
    },
  };
}

test('a token is verified once, then served from the cache', async () => {
  let clock = 1_000_000_000_000;
  const inner = counting(() => ({ subject: 'alice', scopes: ['a'], expiresAt: clock / 1000 + 3600 }));
  const cached = cacheVerifiedTokens(inner.validator, { now: () => clock });
  expect(await cached.validate('t1')).toMatchObject({ subject: 'alice' });
  expect(await cached.validate('t1')).toMatchObject({ subject: 'alice' });
  expect(inner.calls).toEqual(['t1']);
  await cached.validate('t2');
  expect(inner.calls).toEqual(['t1', 't2']);
  // Past the maximum age (5 min by default) the token is verified again.
  clock += 301_000;
  await cached.validate('t1');
  expect(inner.calls).toEqual(['t1', 't2', 't1']);
});

test('an entry never outlives its token', async () => {
  let clock = 2_000_000_000_000;
  const inner = counting(() => ({ subject: 'bob', scopes: [], expiresAt: clock / 1000 + 10 }));
  const cached = cacheVerifiedTokens(inner.validator, { now: () => clock });
  await cached.validate('short');
  clock += 11_000;
  await cached.validate('short');
  expect(inner.calls).toEqual(['short', 'short']);
});

test('refusals are not cached and the cache is bounded', async () => {
  const inner = counting((t) => ({ subject: t, scopes: [], expiresAt: Date.now() / 1000 + 3600 }));
  const cached = cacheVerifiedTokens(inner.validator, { maxEntries: 2 });
  await expect(cached.validate('bad')).rejects.toThrow('invalid');
  await expect(cached.validate('bad')).rejects.toThrow('invalid');
  expect(inner.calls.filter((c) => c === 'bad')).toHaveLength(2);
  await cached.validate('a');
  await cached.validate('b');
  await cached.validate('c'); // evicts 'a'
  await cached.validate('a');
  expect(inner.calls.filter((c) => c === 'a')).toHaveLength(2);
  expect(inner.calls.filter((c) => c === 'c')).toHaveLength(1);
});
