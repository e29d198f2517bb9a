/** Steps every sign-in shares: finding the browser's interaction, and granting what the client asked for. */
import type { Request, Response } from 'express';
import { finishInteraction, newGrant, type OidcInteraction, type OidcProvider } from './oidcProvider';
import { OIDC_SCOPES } from './core';
import { failedPage, sendPage } from './pages';

const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

/** The interaction of this browser (its cookie) if it is `uid`; otherwise answers with an "expired" page. */
export async function interactionFor(
  provider: OidcProvider,
  req: Request,
  res: Response,
  uid?: string,
): Promise<OidcInteraction | undefined> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid === (uid ?? req.params.uid)) return details;
  } catch {
    // Unknown, expired or foreign interaction: answered below.
  }
  sendPage(
    res,
    400,
    failedPage('This sign-in request has expired', 'Start the connection again from your MCP client.'),
  );
  return undefined;
}

/**
 * Signs `accountId` in and grants every requested scope the MCP server supports, for the MCP server only; the
 * browser goes back to the client with an authorization code. Returns the granted resource scopes.
 */
export async function grantRequested(
  provider: OidcProvider,
  req: Request,
  res: Response,
  details: OidcInteraction,
  accountId: string,
  resource: string,
  scopes: readonly string[],
): Promise<string[]> {
  const clientId = String(details.params.client_id ?? '');
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? newGrant(provider, accountId, clientId);
  const requested = String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  // The provider knows every supported scope statically (so clients may register with them): grant them at that
  // level too, or it would ask for consent again.
  const staticScopes = requested.filter((s) => OIDC_SCOPES.includes(s) || scopes.includes(s));
  if (staticScopes.length) grant.addOIDCScope(staticScopes.join(' '));
  const claims = asList((details.prompt.details as { missingOIDCClaims?: unknown }).missingOIDCClaims);
  if (claims.length) grant.addOIDCClaims(claims);
  const resourceScopes = requested.filter((s) => scopes.includes(s));
  const resources = asList(details.params.resource);
  for (const indicator of resources.length ? resources : [resource]) {
    if (indicator === resource) grant.addResourceScope(indicator, resourceScopes.join(' '));
  }
  const grantId = await grant.save();
  await finishInteraction(provider, req, res, { login: { accountId }, consent: { grantId } });
  return resourceScopes;
}
