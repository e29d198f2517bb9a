/**
 * The OAuth 2.1 authorization server both embedded modes share (`dev` and `broker`): `oidc-provider` mounted on the
 * MCP server's own origin under `/oauth`, with
 *
 * - discovery: RFC 8414 at the path-inserted URL clients look up (`/.well-known/oauth-authorization-server/oauth`),
 *   OpenID Connect discovery (`/oauth/.well-known/openid-configuration` and the path-inserted form);
 * - open Dynamic Client Registration (RFC 7591) at `/oauth/reg` honouring `application_type` (`native`: loopback
 *   or private-use redirects; `web`: https), and optionally Client ID Metadata Documents — both held to one
 *   redirect-URI policy (`redirectPolicy.ts`);
 * - the authorization code flow only, PKCE S256 required for every client; `iss` in every authorization response,
 *   success or error (RFC 9207, always on in oidc-provider 9, advertised in the metadata);
 * - resource indicators (RFC 8707): access tokens are JWTs whose `aud` is the MCP URL; any other resource is refused;
 * - refresh tokens for clients registered with the `refresh_token` grant, rotated on every use; a rotated token
 *   presented again revokes the whole grant (the library's reuse detection), as does a replayed code; access
 *   tokens carry their grant's id so the resource server refuses them too (`revokedGrants.ts`).
 *
 * What differs — who signs in (interaction routes), keys, storage, client policies — comes from the caller.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Logger } from '../../logging/logger';
import { openCors } from '../../http/cors';
import { openMetadataCors } from '../resourceServer/protectedResourceMetadata';
import { createOidcProvider, loadOidcProviderModule, type OidcAdapter, type OidcProvider } from './oidcProvider';
import { escapeHtml, failedPage, page, sendPage } from './pages';
import { redirectUriProblem, type RedirectPolicy } from './redirectPolicy';
import { GRANT_ID_CLAIM, recordingRevokedGrants, type RevokedGrants } from './revokedGrants';
import { CLOCK_TOLERANCE_SECONDS } from '../resourceServer/jwtVerifier';

export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];

export interface AuthorizationServerOptions {
  /** Issuer identifier, e.g. `https://mcp.example.com/oauth`; its path is where the server is mounted. */
  issuer: string;
  /** The only resource tokens are issued for: the MCP URL. */
  resource: string;
  /** Scopes of the resource. */
  scopes: readonly string[];
  logger: Logger;
  /** Private signing keys; the first of each algorithm signs. */
  signingKeys: JWK[];
  /** Signs access tokens, and ID tokens of clients that name no algorithm. */
  accessTokenAlg: string;
  /** Signs ID tokens of clients that name no algorithm (one of the keys' algorithms). */
  idTokenAlg: string;
  /** Keys for the provider's cookies (the first signs); shared by every instance. */
  cookieKeys: string[];
  adapter: (model: string) => OidcAdapter;
  accessTokenTtlSeconds: number;
  /** Trust `X-Forwarded-*` (mirrors the app's `trust proxy`). */
  trustProxy?: boolean;
  /** Client ID Metadata Documents (`client_id` is an HTTPS URL); off when undefined. */
  clientIdMetadataDocuments?: {
    /** Replaces the library's fetch (tests only: it refuses loopback and private addresses, as it must). */
    fetch?: typeof fetch;
  };
  /** Redirect URIs clients may register (by DCR or in a metadata document). */
  redirectPolicy: RedirectPolicy;
  /** Browser origins allowed to call the token endpoint; every origin when true (development). */
  corsAnyOrigin?: boolean;
  /** Account lookup for ID tokens and userinfo. */
  findAccount: (sub: string) => Promise<Record<string, unknown>>;
  /** Mounts the interaction routes (sign-in) on `router`, under `mountPath`. */
  interactions(router: Router, provider: OidcProvider, mountPath: string): void;
  /** Name of the mode in log lines. */
  label: string;
}

export interface AuthorizationServer {
  readonly issuer: string;
  readonly provider: OidcProvider;
  /** Routes to mount at the application root (they include the well-known aliases outside the issuer path). */
  readonly router: Router;
  /** Public signing keys, for validating the tokens this server issues. */
  readonly jwks: JSONWebKeySet;
  /** Grants revoked while their access tokens may still be presented. */
  readonly revokedGrants: RevokedGrants;
}

export function publicJwk(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...pub } = jwk;
  return { ...pub, use: 'sig' };
}

export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const { issuer, resource, logger } = options;
  const scopes = [...new Set(options.scopes)];
  const mountPath = new URL(issuer).pathname.replace(/\/+$/, '');
  if (!mountPath) throw new Error('the authorization server needs an issuer with a path (e.g. /oauth)');
  const { errors } = loadOidcProviderModule();
  const checkRedirects = (uris: unknown) => {
    for (const uri of Array.isArray(uris) ? uris : []) {
      const problem = redirectUriProblem(String(uri), options.redirectPolicy);
      if (problem) throw new errors.InvalidRedirectUri!(problem);
    }
  };
  // A revoked grant is remembered as long as one of its access tokens could still be accepted.
  const { adapter, revokedGrants } = recordingRevokedGrants(
    options.adapter,
    options.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS,
  );

  const configuration: Record<string, unknown> = {
    adapter,
    jwks: { keys: options.signingKeys },
    cookies: { keys: options.cookieKeys },
    scopes: [...new Set([...OIDC_SCOPES, ...scopes])],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: options.idTokenAlg,
    },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, ...(await options.findAccount(sub)) }),
    }),
    // Registration and metadata documents both pass through the redirect-URI policy.
    extraClientMetadata: {
      properties: ['redirect_uris'],
      validator: (
        ctx: { oidc?: { body?: Record<string, unknown> } } | undefined,
        key: string,
        value: unknown,
        metadata: Record<string, unknown>,
      ) => {
        if (key !== 'redirect_uris') return;
        checkRedirects(value);
        // A stated application_type is honoured (the library then holds `native` to loopback, private-use or
        // claimed https redirects, and `web` to http(s)). A client that states none and redirects to loopback or a
        // private-use scheme is a native app (RFC 8252), not the library's default `web`.
        if (ctx?.oidc?.body?.application_type !== undefined) return;
        const uris = (Array.isArray(value) ? value : []).map(String);
        if (uris.some((u) => !/^https:/i.test(u))) metadata.application_type = 'native';
      },
    },
    // The grant an access token belongs to, so the resource server can refuse tokens of a revoked grant.
    extraTokenClaims: async (_ctx: unknown, token: { kind?: string; grantId?: string }) =>
      token.kind === 'AccessToken' && token.grantId ? { [GRANT_ID_CLAIM]: token.grantId } : undefined,
    features: {
      devInteractions: { enabled: false },
      // Bearer tokens only: the MCP server does not verify DPoP proofs (and refuses sender-constrained tokens).
      dPoP: { enabled: false },
      registration: { enabled: true },
      clientIdMetadataDocument: options.clientIdMetadataDocuments
        ? {
            enabled: true,
            // The draft this was built and tested against: a library update implementing another draft refuses to
            // start instead of changing behaviour silently.
            ack: 'draft-02',
            allowClient: async (_ctx: unknown, client: { redirectUris?: string[] }) => {
              checkRedirects(client.redirectUris);
              return true;
            },
          }
        : { enabled: false },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens.
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        // Clients that send no `resource` still get a token for the MCP server (the only resource there is).
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) {
            throw new errors.InvalidTarget!(`this authorization server issues tokens only for ${resource}`);
          }
          return {
            scope: scopes.join(' '),
            audience: resource,
            accessTokenTTL: options.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: options.accessTokenAlg } },
          };
        },
      },
    },
    ...(options.clientIdMetadataDocuments?.fetch ? { fetch: options.clientIdMetadataDocuments.fetch } : {}),
    // OAuth 2.1: the authorization-code flow only (no implicit or hybrid response types).
    responseTypes: ['code'],
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    // Every refresh rotates the token; presenting a rotated one again revokes the grant (reuse detection).
    rotateRefreshToken: () => true,
    interactions: {
      url: async (_ctx: unknown, interaction: { uid: string }) => `${mountPath}/interaction/${interaction.uid}`,
    },
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris?: string[] }) =>
      options.corsAnyOrigin === true || (client.redirectUris ?? []).some((uri) => safeOrigin(uri) === origin),
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<h1>Something went wrong</h1>${Object.entries(out)
          .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
          .join('')}<p class="note">Start the connection again from your MCP client.</p>`,
      );
    },
  };
  const provider = createOidcProvider(issuer, configuration);
  provider.proxy = options.trustProxy ?? false;
  for (const event of [
    'server_error',
    'authorization.error',
    'grant.error',
    'registration_create.error',
    'introspection.error',
  ]) {
    // Only the error's code and description: never request parameters (codes, tokens).
    provider.on(event, (_ctx: unknown, err: unknown) => {
      const e = err as { error?: string; error_description?: string; message?: string };
      logger[event === 'server_error' ? 'error' : 'info'](
        {
          event,
          error: e?.error,
          description: e?.error_description ?? (event === 'server_error' ? e?.message : undefined),
        },
        `${options.label} authorization server refused a request`,
      );
    });
  }
  const callback = provider.callback();
  const forward: RequestHandler = (req, res) => void callback(req, res);

  const router = Router();
  // RFC 8414 / OpenID discovery at the path-inserted URLs, answered by the provider as if asked under its mount path.
  const discoveryAlias =
    (wellKnown: string): RequestHandler =>
    (req, res) => {
      const { originalUrl } = req;
      req.url = wellKnown;
      req.originalUrl = `${mountPath}${wellKnown}`;
      // Request logs (written on 'finish') report the path the client asked for.
      res.once('prefinish', () => {
        req.url = req.originalUrl = originalUrl;
      });
      void callback(req, res);
    };
  for (const wellKnown of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    router.options(`${wellKnown}${mountPath}`, openMetadataCors);
    router.get(`${wellKnown}${mountPath}`, openMetadataCors, discoveryAlias(wellKnown));
  }
  // Legacy clients (protocol 2025-03-26 and earlier) look for metadata at the origin's root.
  router.options('/.well-known/oauth-authorization-server', openMetadataCors);
  router.get(
    '/.well-known/oauth-authorization-server',
    openMetadataCors,
    discoveryAlias('/.well-known/oauth-authorization-server'),
  );
  // Browser-based clients register from another origin; registration is open anyway.
  router.use(`${mountPath}/reg`, openCors(['POST']));
  options.interactions(router, provider, mountPath);
  router.use(mountPath, forward);

  return { issuer, provider, router, jwks: { keys: options.signingKeys.map(publicJwk) }, revokedGrants };
}

function safeOrigin(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

/** An interaction step that fails (expired, double-submitted) ends with a page, never an unhandled rejection. */
export function safely(
  logger: Logger,
  label: string,
  step: (req: Request, res: Response) => Promise<void>,
): RequestHandler {
  return (req, res) => {
    step(req, res).catch((err: unknown) => {
      logger.warn({ err: { message: (err as Error).message } }, `${label} sign-in step failed`);
      if (!res.headersSent) sendPage(res, 400, failedPage('Sign-in failed', 'Start again from your MCP client.'));
    });
  };
}
