/**
 * The shared "must…" rules for the session store and the secrets the settings need (`infra/shared/sessions.ts`,
 * `infra/shared/secrets.ts`), which the CDK construct and app, the Pulumi components and the Pulumi program call.
 */
import { missingSecretProblem, secretsNeededBySettings, settingsNeedSecret } from '../../../infra/shared/secrets';
import { sessionStoreUnused, unusedSessionStoreProblem } from '../../../infra/shared/sessions';

describe('a session store nothing reads', () => {
  const one = { min: 1, max: 1 };
  const several = { min: 2, max: 10 };
  test('stateful sessions, the broker, and listen streams on several tasks read the store', () => {
    expect(sessionStoreUnused({ sessionMode: 'stateless', authMode: 'oauth' }, one)).toBe(true);
    expect(sessionStoreUnused({}, one)).toBe(true);
    // Cloud Run scaled to zero with at most one instance: never two listen streams in different processes.
    expect(sessionStoreUnused({}, { min: 0, max: 1 })).toBe(true);
    expect(sessionStoreUnused({ sessionMode: 'stateful', authMode: 'oauth' }, one)).toBe(false);
    expect(sessionStoreUnused({ sessionMode: 'stateless', authMode: 'broker' }, one)).toBe(false);
    // Several tasks: 2026-07-28 listen streams hear list changes made on another task through the store.
    expect(sessionStoreUnused({ sessionMode: 'stateless', authMode: 'oauth' }, several)).toBe(false);
    expect(sessionStoreUnused({}, { min: 2, max: 2 })).toBe(false);
    expect(sessionStoreUnused({}, { min: 1, max: 2 })).toBe(false);
    // A count not known before deployment (a token) may be several.
    expect(sessionStoreUnused({}, { min: NaN, max: NaN })).toBe(false);
  });

  test('the sentence names what reads the store, what is billed and the fix in the caller terms', () => {
    const terms = { billed: 'Memorystore instance', task: 'instance', fix: 'remove sessionStore' };
    expect(unusedSessionStoreProblem({ sessionMode: 'stateful' }, one, { ...terms, billed: 'cache' })).toBeUndefined();
    expect(unusedSessionStoreProblem({ authMode: 'token' }, several, terms)).toBeUndefined();
    expect(unusedSessionStoreProblem({ authMode: 'token' }, one, terms)).toBe(
      "is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several " +
        'instances (which hear list changes made on another instance through it); this service runs one instance, ' +
        'where stateless requests keep nothing between them and every listen stream is in that instance, so it ' +
        'would be a billed Memorystore instance that nothing reads: remove sessionStore',
    );
    expect(unusedSessionStoreProblem({}, { min: 0, max: 1 }, terms)).toContain(
      'this service never runs more than one instance',
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
