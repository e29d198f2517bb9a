/** The revoked-grant set behind the embedded servers' guard: recorded by the provider's own revocation, kept for a token lifetime. */
import { recordingRevokedGrants } from '../../server/auth/authorizationServer/revokedGrants';
import { memoryAdapter } from '../../server/auth/authorizationServer/oidcProvider';

afterEach(() => {
  jest.useRealTimers();
});

test("revoking a grant's access tokens records the grant; other grants stay valid", async () => {
  const { adapter, revokedGrants } = recordingRevokedGrants(memoryAdapter(), 3600);
  const tokens = adapter('AccessToken');
  await tokens.upsert('at-1', { grantId: 'grant-a' }, 3600);
  expect(await revokedGrants.isRevoked('grant-a')).toBe(false);
  await tokens.revokeByGrantId('grant-a');
  expect(await revokedGrants.isRevoked('grant-a')).toBe(true);
  expect(await revokedGrants.isRevoked('grant-b')).toBe(false);
  // The provider's own revocation still happens.
  expect(await tokens.find('at-1')).toBeUndefined();
  // Other models' revocations (refresh tokens, codes) come with the access tokens'; they record nothing themselves.
  await adapter('RefreshToken').revokeByGrantId('grant-c');
  expect(await revokedGrants.isRevoked('grant-c')).toBe(false);
});

test('a revoked grant is forgotten once no token of it can be accepted any more', async () => {
  jest.useFakeTimers({ now: Date.UTC(2026, 0, 1), doNotFake: ['nextTick', 'setImmediate'] });
  const { adapter, revokedGrants } = recordingRevokedGrants(memoryAdapter(), 90);
  await adapter('AccessToken').revokeByGrantId('grant-a');
  jest.setSystemTime(Date.UTC(2026, 0, 1) + 89_000);
  expect(await revokedGrants.isRevoked('grant-a')).toBe(true);
  jest.setSystemTime(Date.UTC(2026, 0, 1) + 91_000);
  expect(await revokedGrants.isRevoked('grant-a')).toBe(false);
});

test('the set is bounded (the storage keeps at most its entry limit) and ignores ids no provider issues', async () => {
  const { adapter, revokedGrants } = recordingRevokedGrants(memoryAdapter(3), 3600);
  for (const id of ['g1', 'g2', 'g3', 'g4']) await adapter('AccessToken').revokeByGrantId(id);
  expect(await Promise.all(['g1', 'g2', 'g3', 'g4'].map((id) => revokedGrants.isRevoked(id)))).toEqual([
    false,
    true,
    true,
    true,
  ]);
  expect(await revokedGrants.isRevoked('x'.repeat(10_000))).toBe(false);
});
