/**
 * The embedded development authorization server (`MCP_AUTH_MODE=dev`, the default of `npm start` on loopback): the
 * shared authorization server (`core.ts`: discovery, DCR and Client ID Metadata Documents under
 * the same redirect-URI policy as broker mode, PKCE S256, resource-bound JWT access tokens, rotating refresh
 * tokens) with a one-click sign-in page ("Sign in as developer", no password) that also approves the requested
 * scopes. The page names where the code will go (the redirect URI's host), not the name a client gave itself.
 *
 * Signing keys and cookie keys are generated in memory at start; every restart invalidates earlier tokens.
 * It is a development tool: `MCP_AUTH_MODE=dev` refuses to start off loopback (see `modes/dev.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Logger } from '../../logging/logger';
import { createAuthorizationServer, safely } from './core';
import { grantRequested, interactionFor } from './interaction';
import { escapeHtml, failedPage, page, sendPage } from './pages';
import { loadJose } from '../esm';
import { finishInteraction, memoryAdapter, type OidcProvider } from './oidcProvider';
import { LOOPBACK_HOSTS } from './redirectPolicy';
import { DEFAULTS } from '../../config/contract';
import type { RevokedGrants } from './revokedGrants';

/** The one account of the development server. */
export const DEV_SUBJECT = 'developer';
/** Access tokens of the development server live this long. */
export const DEV_ACCESS_TOKEN_TTL_SECONDS = 3600;

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
  /** Replaces the library's SSRF-guarded fetch of Client ID Metadata Documents (tests only). */
  clientMetadataFetch?: typeof fetch;
}

export interface DevAuthorizationServer {
  readonly issuer: string;
  /** Routes to mount at the application root (they include the well-known aliases outside the issuer path). */
  readonly router: Router;
  /** Public signing keys, for validating the tokens this server issues. */
  readonly jwks: JSONWebKeySet;
  readonly revokedGrants: RevokedGrants;
}

/** RS256 for ID tokens (the OpenID default), ES256 for access tokens; regenerated at every start. */
async function signingKeys(): Promise<JWK[]> {
  const jose = loadJose();
  const suffix = randomBytes(6).toString('base64url');
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const pair = await jose.generateKeyPair(alg, { extractable: true });
    keys.push({
      ...(await jose.exportJWK(pair.privateKey)),
      kid: `dev-${alg.toLowerCase()}-${suffix}`,
      alg,
      use: 'sig',
    });
  }
  return keys;
}

export async function createDevAuthorizationServer(
  options: DevAuthorizationServerOptions,
): Promise<DevAuthorizationServer> {
  const { resource, logger } = options;
  const scopes = [...new Set(options.scopes)];
  const as = createAuthorizationServer({
    issuer: options.issuer,
    resource,
    scopes,
    logger,
    signingKeys: await signingKeys(),
    accessTokenAlg: 'ES256',
    idTokenAlg: 'RS256',
    cookieKeys: [randomBytes(32).toString('base64url')],
    adapter: memoryAdapter(),
    accessTokenTtlSeconds: DEV_ACCESS_TOKEN_TTL_SECONDS,
    trustProxy: options.trustProxy,
    // Development only: any origin may call the token endpoint (browser-based clients such as the MCP Inspector).
    corsAnyOrigin: true,
    // The known MCP clients' redirects, as in broker mode (whose defaults these are): loopback, their hosts, their schemes.
    redirectPolicy: { hosts: DEFAULTS.brokerRedirectHosts, schemes: DEFAULTS.brokerRedirectSchemes },
    clientIdMetadataDocuments: { fetch: options.clientMetadataFetch },
    findAccount: async () => ({ name: 'Developer' }),
    label: 'development',
    interactions: (router, provider, mountPath) => {
      router.get(
        `${mountPath}/interaction/:uid`,
        safely(logger, 'development', (req, res) => showSignIn(provider, req, res, options)),
      );
      router.post(
        `${mountPath}/interaction/:uid`,
        safely(logger, 'development', (req, res) => completeSignIn(provider, req, res, resource, scopes, logger)),
      );
      router.post(
        `${mountPath}/interaction/:uid/abort`,
        safely(logger, 'development', (req, res) => abortSignIn(provider, req, res)),
      );
    },
  });
  return { issuer: as.issuer, router: as.router, jwks: as.jwks, revokedGrants: as.revokedGrants };
}

async function showSignIn(provider: OidcProvider, req: Request, res: Response, options: DevAuthorizationServerOptions) {
  const details = await interactionFor(provider, req, res);
  if (!details) return;
  // Where the code goes is what identifies the client: its name is whatever it chose to register.
  const destination = redirectDestination(String(details.params.redirect_uri ?? ''));
  const client = await provider.Client.find(String(details.params.client_id ?? ''));
  const selfName = client?.clientName
    ? `<p class="note">It calls itself “${escapeHtml(client.clientName.slice(0, 100))}” (unverified).</p>`
    : '';
  const requested = String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
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
<p>A client at <strong>${escapeHtml(destination.host)}</strong>${destination.loopback ? ' (an application on this computer)' : ''} asks to access <code>${escapeHtml(options.resource)}</code> with:</p>${scopeList}${selfName}
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
    // Every requested scope the MCP server supports is granted, for the MCP server only.
    const granted = await grantRequested(provider, req, res, details, DEV_SUBJECT, resource, scopes);
    logger.info(
      { clientId: details.params.client_id, scopes: granted },
      'development sign-in: access granted to developer',
    );
  } catch (err) {
    logger.error({ err: { message: (err as Error).message } }, 'development sign-in failed');
    if (!res.headersSent) sendPage(res, 500, failedPage('Sign-in failed', 'Start again from your MCP client.'));
  }
}

async function abortSignIn(provider: OidcProvider, req: Request, res: Response) {
  const details = await interactionFor(provider, req, res);
  if (!details) return;
  await finishInteraction(provider, req, res, {
    error: 'access_denied',
    error_description: 'The developer cancelled the sign-in',
  });
}

/** The redirect URI's scheme-less host for the web (`claude.ai`, `127.0.0.1:33418`), with the scheme otherwise (`cursor://…`). */
function redirectDestination(uri: string): { host: string; loopback: boolean } {
  const url = URL.parse(uri);
  if (!url) return { host: 'an unknown address', loopback: false };
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return { host: web ? url.host : `${url.protocol}//${url.host}`, loopback: web && LOOPBACK_HOSTS.has(url.hostname) };
}
