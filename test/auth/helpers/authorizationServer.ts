/**
 * An EXTERNAL authorization server for `oauth` mode tests: `oidc-provider` on 127.0.0.1 (its own port), with an
 * issuer that has a path (so discovery has to insert `/.well-known/...` before it), open Dynamic Client
 * Registration, PKCE S256, resource indicators issuing JWT (or opaque) access tokens for the given MCP URLs,
 * token introspection for a pre-registered resource-server client, refresh tokens, and interaction endpoints a
 * test drives with plain HTTP (no page: `POST <issuer>/interaction/<uid>/login` with `account=<subject>`).
 *
 * It also signs arbitrary tokens with its real key (`sign`) for the attack matrix, counts JWKS requests and
 * can take its JWKS endpoint down.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { loadJose } from '../../../server/auth/esm';
import {
  createOidcProvider,
  finishInteraction,
  loadOidcProviderModule,
  memoryAdapter,
  newGrant,
  type OidcProvider,
} from '../../../server/auth/authorizationServer/oidcProvider';

export interface AuthorizationServerOptions {
  /** Resource indicators (MCP URLs) tokens may be issued for. */
  resources: string[];
  /** Scopes every resource supports. */
  scopes: string[];
  /** @default 'jwt' */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** @default '/tenant-a' */
  issuerPath?: string;
}

export interface TestAuthorizationServer {
  issuer: string;
  origin: string;
  /** Credentials of the pre-registered confidential client allowed to introspect. */
  introspection: { url: string; clientId: string; clientSecret: string };
  /** The provider's own signing key (RS256), for minting tokens in tests. */
  key: { privateKey: CryptoKey; publicJwk: JWK; kid: string };
  /** Signs `claims` with the real key (or `options.key`), header `{ alg, kid, typ: 'at+jwt' }` unless overridden. */
  sign(
    claims: JWTPayload,
    options?: { alg?: string; kid?: string; key?: CryptoKey | Uint8Array; typ?: string },
  ): Promise<string>;
  jwksRequests(): number;
  introspectionRequests(): number;
  setJwksAvailable(available: boolean): void;
  close(): Promise<void>;
}

export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<TestAuthorizationServer> {
  const jose = loadJose();
  const { errors } = loadOidcProviderModule();
  const issuerPath = options.issuerPath ?? '/tenant-a';

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${issuerPath}`;

  const kid = `as-rs256-${randomBytes(4).toString('hex')}`;
  const pair = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await jose.exportJWK(pair.privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const introspection = { clientId: 'mcp-resource-server', clientSecret: randomBytes(24).toString('base64url') };

  const provider: OidcProvider = createOidcProvider(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    clients: [
      {
        client_id: introspection.clientId,
        client_secret: introspection.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ['openid', 'offline_access', ...options.scopes],
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (!options.resources.includes(indicator)) throw new errors.InvalidTarget!();
          return {
            scope: options.scopes.join(' '),
            audience: indicator,
            accessTokenTTL: 300,
            accessTokenFormat: options.accessTokenFormat ?? 'jwt',
            ...(options.accessTokenFormat === 'opaque' ? {} : { jwt: { sign: { alg: 'RS256' } } }),
          };
        },
      },
    },
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    interactions: {
      url: async (_ctx: unknown, interaction: { uid: string }) => `${issuerPath}/interaction/${interaction.uid}`,
    },
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
      Grant: 3600,
    },
    clientBasedCORS: () => true,
  });

  let jwksRequests = 0;
  let introspectionRequests = 0;
  let jwksAvailable = true;
  const app = express();
  app.use((req, res, next) => {
    if (req.path === `${issuerPath}/token/introspection`) introspectionRequests++;
    if (req.path === `${issuerPath}/jwks`) {
      jwksRequests++;
      if (!jwksAvailable) {
        res.status(503).end();
        return;
      }
    }
    next();
  });
  app.get(`${issuerPath}/interaction/:uid`, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    res.json({ uid: details.uid, prompt: details.prompt.name, params: details.params });
  });
  app.post(`${issuerPath}/interaction/:uid/login`, express.urlencoded({ extended: false }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const accountId = String((req.body as { account?: string }).account ?? 'alice');
    const grant = newGrant(provider, accountId, String(details.params.client_id));
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const oidc = requested.filter((s) => s === 'openid' || s === 'offline_access' || options.scopes.includes(s));
    if (oidc.length) grant.addOIDCScope(oidc.join(' '));
    const resourceScopes = requested.filter((s) => options.scopes.includes(s)).join(' ');
    const resources =
      details.params.resource === undefined
        ? []
        : ([] as string[]).concat(details.params.resource as string | string[]);
    for (const resource of resources) grant.addResourceScope(resource, resourceScopes);
    const grantId = await grant.save();
    await finishInteraction(provider, req, res, { login: { accountId }, consent: { grantId } });
  });
  const callback = provider.callback();
  app.use(issuerPath, (req, res) => void callback(req, res));
  server.on('request', app);

  return {
    issuer,
    origin,
    introspection: { url: `${issuer}/token/introspection`, ...introspection },
    key: { privateKey: pair.privateKey, publicJwk, kid },
    sign: async (claims, opts = {}) => {
      const alg = opts.alg ?? 'RS256';
      return new jose.SignJWT(claims)
        .setProtectedHeader({ alg, kid: opts.kid ?? kid, typ: opts.typ ?? 'at+jwt' })
        .sign(opts.key ?? pair.privateKey);
    },
    jwksRequests: () => jwksRequests,
    introspectionRequests: () => introspectionRequests,
    setJwksAvailable: (available) => {
      jwksAvailable = available;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
