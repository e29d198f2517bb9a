/**
 * An upstream OpenID Connect provider for broker-mode tests: a second `oidc-provider` on 127.0.0.1 that knows the
 * broker as a confidential client (code flow, PKCE) and a few users with e-mail and group claims. Users sign in
 * through `POST <issuer>/interaction/<uid>/login` with `account=<id>` (see `signInAs`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadJose } from '../../../server/auth/esm';
import {
  createOidcProvider,
  finishInteraction,
  memoryAdapter,
  newGrant,
  type OidcProvider,
} from '../../../server/auth/authorizationServer/oidcProvider';

export interface UpstreamUser {
  email: string;
  email_verified: boolean;
  name: string;
  groups: string[];
}

export const UPSTREAM_USERS: Record<string, UpstreamUser> = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice', groups: ['mcp-users'] },
  bob: { email: 'bob@other.org', email_verified: true, name: 'Bob', groups: ['sales'] },
  mallory: { email: 'mallory@example.com', email_verified: false, name: 'Mallory', groups: [] },
};

export interface UpstreamIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Token requests received (the broker redeems each code once). */
  tokenRequests(): number;
  close(): Promise<void>;
}

export async function startUpstreamIdp(brokerCallback: string): Promise<UpstreamIdp> {
  const jose = loadJose();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuerPath = '/idp';
  const issuer = `${origin}${issuerPath}`;
  const clientId = 'mcp-broker';
  const clientSecret = randomBytes(24).toString('base64url');
  const pair = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(pair.privateKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };

  const provider: OidcProvider = createOidcProvider(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [brokerCallback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    // Claims go into the ID token itself, as most enterprise providers configure them.
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, ...UPSTREAM_USERS[sub] }),
    }),
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: {
      url: async (_ctx: unknown, interaction: { uid: string }) => `${issuerPath}/interaction/${interaction.uid}`,
    },
  });

  let tokenRequests = 0;
  const app = express();
  app.use((req, _res, next) => {
    if (req.path === `${issuerPath}/token`) tokenRequests++;
    next();
  });
  app.get(`${issuerPath}/interaction/:uid`, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    res.json({ uid: details.uid, prompt: details.prompt.name });
  });
  app.post(`${issuerPath}/interaction/:uid/login`, express.urlencoded({ extended: false }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const accountId = String((req.body as { account?: string }).account);
    const grant = newGrant(provider, accountId, String(details.params.client_id));
    grant.addOIDCScope(String(details.params.scope));
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await finishInteraction(provider, req, res, { login: { accountId }, consent: { grantId: await grant.save() } });
  });
  const callback = provider.callback();
  app.use(issuerPath, (req, res) => void callback(req, res));
  server.on('request', app);
  return {
    issuer,
    clientId,
    clientSecret,
    tokenRequests: () => tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
