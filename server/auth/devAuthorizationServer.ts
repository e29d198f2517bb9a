/**
 * The embedded development authorization server (`MCP_AUTH_MODE=dev`, the default of `npm start` on loopback):
 * `oidc-provider`, mounted on the MCP server's own origin under `/oauth` (its issuer is `<origin>/oauth`), with
 *
 * - discovery: RFC 8414 at the path-inserted URL clients look up (`/.well-known/oauth-authorization-server/oauth`),
 *   OpenID Connect discovery (`/oauth/.well-known/openid-configuration` and the path-inserted form);
 * - open Dynamic Client Registration (RFC 7591) at `/oauth/reg`;
 * - authorization code flow with PKCE S256 required for every client;
 * - resource indicators (RFC 8707): access tokens are JWTs whose `aud` is the MCP URL; any other resource is refused;
 * - refresh tokens for clients registered with the `refresh_token` grant;
 * - a one-click sign-in page ("Sign in as developer", no password) that also approves the requested scopes.
 *
 * Signing keys and cookie keys are generated in memory at start; every restart invalidates earlier tokens.
 * It is a development tool: `MCP_AUTH_MODE=dev` refuses to start off loopback (see `dev.ts`).
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Logger } from '../logging/logger';
import { loadJose } from './esm';
import {
  createOidcProvider,
  finishInteraction,
  loadOidcProviderModule,
  memoryAdapter,
  newGrant,
  type OidcInteraction,
  type OidcProvider,
} from './oidcProvider';
import { openCors } from '../http/cors';
import { openMetadataCors } from './protectedResourceMetadata';

/** The one account of the development server. */
export const DEV_SUBJECT = 'developer';
/** Access tokens of the development server live this long. */
export const DEV_ACCESS_TOKEN_TTL_SECONDS = 3600;

const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];

export interface DevAuthorizationServerOptions {
  /** Issuer identifier, e.g. `http://127.0.0.1:3000/oauth`; its path is where the server is mounted. */
  issuer: string;
  /** The only resource tokens are issued for: the MCP URL. */
  resource: string;
  /** Scopes of the resource; every requested one among them is granted. */
  scopes: readonly string[];
  logger: Logger;
  /** Trust `X-Forwarded-*` (mirrors the app's `trust proxy`). */
  trustProxy?: boolean;
  /** Human-readable name shown on the sign-in page. */
  serverName?: string;
}

export interface DevAuthorizationServer {
  readonly issuer: string;
  /** Routes to mount at the application root (they include the well-known aliases outside the issuer path). */
  readonly router: Router;
  /** Public signing keys, for validating the tokens this server issues. */
  readonly jwks: JSONWebKeySet;
}

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:48px 16px;color:#1f2328}' +
  'main{max-width:420px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:28px}' +
  'h1{font-size:1.25rem;margin:0 0 12px}p,li{line-height:1.45}code{background:#f0f1f3;padding:1px 4px;border-radius:3px}' +
  'button{font-size:1rem;padding:10px 16px;border-radius:6px;border:0;cursor:pointer;width:100%;margin-top:8px}' +
  '.primary{background:#1f6feb;color:#fff}.secondary{background:#e6e8eb;color:#1f2328}.note{font-size:.85rem;color:#57606a}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function sendPage(res: Response, status: number, html: string): void {
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.type('html').send(html);
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

async function signingKeys(): Promise<{ privateJwks: JWK[]; publicJwks: JSONWebKeySet }> {
  const jose = loadJose();
  const suffix = randomBytes(6).toString('base64url');
  const privateJwks: JWK[] = [];
  const publicJwks: JWK[] = [];
  // RS256 for ID tokens (the OpenID default), ES256 for access tokens.
  for (const alg of ['RS256', 'ES256'] as const) {
    const pair = await jose.generateKeyPair(alg, { extractable: true });
    const meta = { kid: `dev-${alg.toLowerCase()}-${suffix}`, alg, use: 'sig' };
    privateJwks.push({ ...(await jose.exportJWK(pair.privateKey)), ...meta });
    publicJwks.push({ ...(await jose.exportJWK(pair.publicKey)), ...meta });
  }
  return { privateJwks, publicJwks: { keys: publicJwks } };
}

export async function createDevAuthorizationServer(options: DevAuthorizationServerOptions): Promise<DevAuthorizationServer> {
  const { issuer, resource, logger } = options;
  const scopes = [...new Set(options.scopes)];
  const issuerUrl = new URL(issuer);
  const mountPath = issuerUrl.pathname.replace(/\/+$/, '');
  if (!mountPath) throw new Error('the development authorization server needs an issuer with a path (e.g. /oauth)');
  const { errors } = loadOidcProviderModule();
  const { privateJwks, publicJwks } = await signingKeys();

  const configuration: Record<string, unknown> = {
    adapter: memoryAdapter(),
    jwks: { keys: privateJwks },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: [...new Set([...OIDC_SCOPES, ...scopes])],
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, name: 'Developer' }),
    }),
    features: {
      devInteractions: { enabled: false },
      // Bearer tokens only: this server does not verify DPoP proofs (and refuses sender-constrained tokens).
      dPoP: { enabled: false },
      registration: { enabled: true },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens.
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId,
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
            accessTokenTTL: DEV_ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // OAuth 2.1: the authorization-code flow only (no implicit or hybrid response types).
    responseTypes: ['code'],
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `${mountPath}/interaction/${interaction.uid}` },
    // Development only: any origin may call the token endpoint (browser-based clients such as the MCP Inspector).
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: DEV_ACCESS_TOKEN_TTL_SECONDS,
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
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'registration_create.error', 'introspection.error']) {
    // Only the error's code and description: never request parameters (codes, tokens).
    provider.on(event, (_ctx: unknown, err: unknown) => {
      const e = err as { error?: string; error_description?: string; message?: string };
      logger[event === 'server_error' ? 'error' : 'info'](
        { event, error: e?.error, description: e?.error_description ?? (event === 'server_error' ? e?.message : undefined) },
        'development authorization server refused a request',
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
  router.get('/.well-known/oauth-authorization-server', openMetadataCors, discoveryAlias('/.well-known/oauth-authorization-server'));
  // Browser-based clients register from another origin; registration is open here anyway.
  router.use(`${mountPath}/reg`, openCors(['POST']));

  // A double-submitted form or an expired interaction must not become an unhandled rejection.
  const safely = (step: (req: Request, res: Response) => Promise<void>): RequestHandler => (req, res) => {
    step(req, res).catch((err: unknown) => {
      logger.warn({ err: { message: (err as Error).message } }, 'development sign-in step failed');
      if (!res.headersSent) sendPage(res, 400, page('Sign-in failed', '<h1>Sign-in failed</h1><p>Start again from your MCP client.</p>'));
    });
  };
  router.get(`${mountPath}/interaction/:uid`, safely((req, res) => showSignIn(provider, req, res, options)));
  router.post(`${mountPath}/interaction/:uid`, safely((req, res) => completeSignIn(provider, req, res, resource, scopes, logger)));
  router.post(`${mountPath}/interaction/:uid/abort`, safely((req, res) => abortSignIn(provider, req, res)));
  router.use(mountPath, forward);

  return { issuer, router, jwks: publicJwks };
}

async function interactionFor(provider: OidcProvider, req: Request, res: Response): Promise<OidcInteraction | undefined> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid === req.params.uid) return details;
  } catch {
    // Unknown, expired or foreign interaction: answered below.
  }
  sendPage(
    res,
    400,
    page('Sign-in expired', '<h1>This sign-in request has expired</h1><p>Start the connection again from your MCP client.</p>'),
  );
  return undefined;
}

async function showSignIn(provider: OidcProvider, req: Request, res: Response, options: DevAuthorizationServerOptions) {
  const details = await interactionFor(provider, req, res);
  if (!details) return;
  const client = await provider.Client.find(String(details.params.client_id ?? ''));
  const clientName = client?.clientName ?? client?.clientId ?? 'An MCP client';
  const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
  const action = `${req.baseUrl}${req.path}`.replace(/\/+$/, '');
  const scopeList = requested.length
    ? `<ul>${requested.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<p>No particular scope was requested.</p>';
  sendPage(
    res,
    200,
    page(
      'Sign in — development server',
      `<h1>${escapeHtml(options.serverName ?? 'MCP server')}: development sign-in</h1>
<p><strong>${escapeHtml(clientName)}</strong> asks to access <code>${escapeHtml(options.resource)}</code> with:</p>${scopeList}
<form method="post" action="${escapeHtml(action)}"><button class="primary" type="submit" autofocus>Sign in as developer</button></form>
<form method="post" action="${escapeHtml(`${action}/abort`)}"><button class="secondary" type="submit">Cancel</button></form>
<p class="note">Development authorization server (<code>MCP_AUTH_MODE=dev</code>): no password, one account
(<code>${DEV_SUBJECT}</code>), keys regenerated on every restart. Use <code>oauth</code> mode in production.</p>`,
    ),
  );
}

async function completeSignIn(
  provider: OidcProvider,
  req: Request,
  res: Response,
  resource: string,
  scopes: readonly string[],
  logger: Logger,
) {
  const details = await interactionFor(provider, req, res);
  if (!details) return;
  try {
    const clientId = String(details.params.client_id ?? '');
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? newGrant(provider, DEV_SUBJECT, clientId);
    const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
    // The provider knows every supported scope statically (so clients may register with them): grant them at
    // that level too, or it would ask for consent again.
    const staticScopes = requested.filter((s) => OIDC_SCOPES.includes(s) || scopes.includes(s));
    if (staticScopes.length) grant.addOIDCScope(staticScopes.join(' '));
    const claims = asList((details.prompt.details as { missingOIDCClaims?: unknown }).missingOIDCClaims);
    if (claims.length) grant.addOIDCClaims(claims);
    // Every requested scope the MCP server supports is granted, for the MCP server only.
    const resourceScopes = requested.filter((s) => scopes.includes(s));
    const resources = asList(details.params.resource);
    for (const indicator of resources.length ? resources : [resource]) {
      if (indicator === resource) grant.addResourceScope(indicator, resourceScopes.join(' '));
    }
    const grantId = await grant.save();
    logger.info({ clientId, scopes: resourceScopes }, 'development sign-in: access granted to developer');
    await finishInteraction(provider, req, res, { login: { accountId: DEV_SUBJECT }, consent: { grantId } });
  } catch (err) {
    logger.error({ err: { message: (err as Error).message } }, 'development sign-in failed');
    if (!res.headersSent) sendPage(res, 500, page('Sign-in failed', '<h1>Sign-in failed</h1><p>Start again from your MCP client.</p>'));
  }
}

async function abortSignIn(provider: OidcProvider, req: Request, res: Response) {
  const details = await interactionFor(provider, req, res);
  if (!details) return;
  await finishInteraction(provider, req, res, { error: 'access_denied', error_description: 'The developer cancelled the sign-in' });
}
