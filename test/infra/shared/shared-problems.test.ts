/**
 * The shared "must…" rules for the session store and the secrets the settings need (`infra/shared/sessions.ts`,
 * `infra/shared/secrets.ts`), which the CDK construct and app, the Pulumi components and the Pulumi program call.
 */
import { missingSecretProblem, secretsNeededBySettings, settingsNeedSecret } from '../../../infra/shared/secrets';
import { sessionStoreUnused, unusedSessionStoreProblem } from '../../../infra/shared/sessions';

describe('a session store nothing reads', () => {
  test('only stateful sessions and the broker read the store', () => {
    expect(sessionStoreUnused({ sessionMode: 'stateless', authMode: 'oauth' })).toBe(true);
    expect(sessionStoreUnused({})).toBe(true);
    expect(sessionStoreUnused({ sessionMode: 'stateful', authMode: 'oauth' })).toBe(false);
    expect(sessionStoreUnused({ sessionMode: 'stateless', authMode: 'broker' })).toBe(false);
  });

  test('the sentence names what is billed and the fix in the caller terms', () => {
    expect(unusedSessionStoreProblem({ sessionMode: 'stateful' }, { billed: 'cache', fix: 'x' })).toBeUndefined();
    expect(unusedSessionStoreProblem({ authMode: 'token' }, { billed: 'instance', fix: 'remove sessionStore' })).toBe(
      "is used only by sessionMode 'stateful' and authMode 'broker' (stateless requests keep nothing between them), " +
        'and would be a billed instance that nothing reads: remove sessionStore',
    );
  });
});

describe('secrets the settings need', () => {
  test('token mode its tokens, introspection the client secret, broker with a shared store the signing keys', () => {
    expect(secretsNeededBySettings({ authMode: 'oauth' })).toEqual([]);
    expect(secretsNeededBySettings({ authMode: 'token' }).map((n) => n.env)).toEqual(['MCP_BEARER_TOKENS']);
    expect(secretsNeededBySettings({ authMode: 'broker' }).map((n) => n.env)).toEqual([]);
    const withStore = secretsNeededBySettings({ authMode: 'broker' }, { sharedStore: true });
    expect(withStore.map((n) => n.env)).toEqual(['BROKER_SIGNING_KEYS']);
    const both = secretsNeededBySettings({ authMode: 'token', oauthIntrospectionUrl: 'https://i.example' });
    expect(both.map((n) => n.env)).toEqual(['MCP_BEARER_TOKENS', 'OAUTH_CLIENT_SECRET']);
    const introspection = { authMode: 'oauth' as const, oauthIntrospectionUrl: 'https://i' };
    expect(settingsNeedSecret(introspection, 'OAUTH_CLIENT_SECRET')).toBe(true);
    expect(settingsNeedSecret({ authMode: 'oauth' }, 'OAUTH_CLIENT_SECRET')).toBe(false);
  });

  test('the first missing one as a sentence; none when all are given', () => {
    const howToPass = (pronoun: 'it' | 'them') => `pass ${pronoun} as a secret value`;
    const settings = { authMode: 'broker' as const, oauthIntrospectionUrl: 'https://i.example' };
    expect(missingSecretProblem(settings, [], { sharedStore: true, howToPass })).toBe(
      "authMode 'broker' with a shared session store (REDIS_URL) needs the signing keys (BROKER_SIGNING_KEYS: every " +
        'instance must sign with the same ones; `npm run broker:keys` makes a set): pass them as a secret value',
    );
    expect(missingSecretProblem(settings, ['BROKER_SIGNING_KEYS'], { sharedStore: true, howToPass })).toBe(
      'oauthIntrospectionUrl needs the client secret (OAUTH_CLIENT_SECRET): pass it as a secret value',
    );
    const all = ['BROKER_SIGNING_KEYS', 'OAUTH_CLIENT_SECRET'];
    expect(missingSecretProblem(settings, all, { sharedStore: true, howToPass })).toBeUndefined();
  });
});
