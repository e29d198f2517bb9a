/**
 * Which secret values the server's settings need, as the CDK construct, the CDK app's context, the Pulumi
 * components and the Pulumi program all check it: the server refuses to start without them, so infrastructure
 * fails at synth / preview instead. Cloud-neutral: imports only the server contract.
 */
import { ENV, type EnvName, type ServerSettings } from '../../server/config/contract';

/** One secret variable the settings need, and why. */
export interface NeededSecret {
  env: EnvName;
  /** The setting that needs it, as the sentence's subject: "authMode 'token'". */
  neededBy: string;
  /** What it is, for a sentence: "bearer tokens". */
  what: string;
  /** Why it must be given, when that is not obvious. */
  detail?: string;
  /** "them" or "it", for "pass … as a secret value". */
  pronoun: 'it' | 'them';
}

/**
 * The secret variables these settings need, in the order they are reported: `authMode: 'token'` its tokens, broker
 * mode with a shared session store (`sharedStore`) common signing keys (every instance signs with the same ones),
 * token introspection its client's secret (the client id is the contract's own check).
 */
export function secretsNeededBySettings(
  settings: Pick<ServerSettings, 'authMode' | 'oauthIntrospectionUrl'>,
  options: { sharedStore?: boolean } = {},
): NeededSecret[] {
  const needed: NeededSecret[] = [];
  if (settings.authMode === 'token') {
    needed.push({ env: ENV.bearerTokens, neededBy: "authMode 'token'", what: 'bearer tokens', pronoun: 'them' });
  }
  if (settings.authMode === 'broker' && options.sharedStore) {
    needed.push({
      env: ENV.brokerSigningKeys,
      neededBy: `authMode 'broker' with a shared session store (${ENV.redisUrl})`,
      what: 'the signing keys',
      detail: 'every instance must sign with the same ones; `npm run broker:keys` makes a set',
      pronoun: 'them',
    });
  }
  if (settings.oauthIntrospectionUrl) {
    const clientSecret = { env: ENV.oauthClientSecret, what: 'the client secret', pronoun: 'it' } as const;
    needed.push({ ...clientSecret, neededBy: 'oauthIntrospectionUrl' });
  }
  return needed;
}

/** Whether the settings need this secret variable (see `secretsNeededBySettings`). */
export function settingsNeedSecret(
  settings: Pick<ServerSettings, 'authMode' | 'oauthIntrospectionUrl'>,
  env: EnvName,
  options: { sharedStore?: boolean } = {},
): boolean {
  return secretsNeededBySettings(settings, options).some((n) => n.env === env);
}

/**
 * The first secret the settings need that is not among `given` (variable names), as one sentence ending in
 * `howToPass` (e.g. "pass them as a secret value"), or undefined when every needed secret is given.
 */
export function missingSecretProblem(
  settings: Pick<ServerSettings, 'authMode' | 'oauthIntrospectionUrl'>,
  given: readonly string[],
  options: { sharedStore?: boolean; howToPass: (pronoun: 'it' | 'them') => string },
): string | undefined {
  const missing = secretsNeededBySettings(settings, options).find((n) => !given.includes(n.env));
  if (!missing) return undefined;
  const about = missing.detail ? `${missing.env}: ${missing.detail}` : missing.env;
  return `${missing.neededBy} needs ${missing.what} (${about}): ${options.howToPass(missing.pronoun)}`;
}
