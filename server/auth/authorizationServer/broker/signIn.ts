/**
 * The broker's sign-in: the authorization request's interaction sends the browser to the upstream provider; the
 * provider sends it back to the fixed callback (`/oauth/callback`, the URI registered there), which hands it to the
 * interaction's own URL — where the browser's interaction cookie is — to finish:
 *
 *   /oauth/auth → /oauth/interaction/<uid> → upstream /authorize → /oauth/callback?code&state
 *     → /oauth/interaction/<uid>/upstream?state → (code redeemed, ID token verified, admission) → client redirect
 *
 * `state` is single-use and bound to the interaction, which is bound to the browser by its cookie: a code from
 * another browser's sign-in, or a replayed callback, gets nowhere.
 */
import type { Request, Response, Router } from 'express';
import { PATHS } from '../../../config/contract';
import type { Logger } from '../../../logging/logger';
import { safely } from '../core';
import { grantRequested, interactionFor } from '../interaction';
import { failedPage, sendPage } from '../pages';
import { finishInteraction, type OidcAdapter, type OidcProvider } from '../oidcProvider';
import { admissionProblem, type AdmissionPolicy } from './admission';
import { UpstreamError, type UpstreamProvider } from './upstream';

/** A sign-in at the provider must come back within this time. */
const ATTEMPT_TTL_SECONDS = 600;
const PROFILE_TTL_SECONDS = 14 * 24 * 3600;

export interface UpstreamSignInOptions {
  provider: OidcProvider;
  mountPath: string;
  upstream: UpstreamProvider;
  adapter: (model: string) => OidcAdapter;
  resource: string;
  scopes: readonly string[];
  admission: AdmissionPolicy;
  logger: Logger;
  serverName: string;
}

interface Attempt {
  uid: string;
  nonce: string;
  codeVerifier: string;
  code?: string;
  error?: string;
}

export function mountUpstreamSignIn(router: Router, o: UpstreamSignInOptions): void {
  const { provider, mountPath, logger } = o;
  const attempts = o.adapter('UpstreamSignIn');
  const step = (fn: (req: Request, res: Response) => Promise<void>) => safely(logger, 'broker', fn);

  router.get(
    `${mountPath}/interaction/:uid`,
    step(async (req, res) => {
      const details = await interactionFor(provider, req, res);
      if (!details) return;
      // Signed in (and admitted) earlier in this browser: only this client's consent is missing.
      const accountId = details.session?.accountId;
      if (details.prompt.name === 'consent' && accountId) {
        await grantRequested(provider, req, res, details, accountId, o.resource, o.scopes);
        return;
      }
      const attempt = o.upstream.newAttempt();
      await attempts.upsert(
        attempt.state,
        { uid: details.uid, nonce: attempt.nonce, codeVerifier: attempt.codeVerifier },
        ATTEMPT_TTL_SECONDS,
      );
      res.redirect(303, await o.upstream.authorizationUrl(attempt));
    }),
  );

  // The provider's redirect: a fixed URL, so it carries no cookie of the interaction; pass the browser on to it.
  router.get(
    PATHS.upstreamCallback,
    step(async (req, res) => {
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      const found = state ? ((await attempts.find(state)) as Attempt | undefined) : undefined;
      if (!found || found.code || found.error) {
        sendPage(res, 400, failedPage('This sign-in has expired', 'Start the connection again from your MCP client.'));
        return;
      }
      const code = typeof req.query.code === 'string' ? req.query.code : undefined;
      const error = typeof req.query.error === 'string' ? req.query.error : code ? undefined : 'no_code';
      await attempts.upsert(state, { ...found, code, error }, ATTEMPT_TTL_SECONDS);
      res.redirect(
        303,
        `${mountPath}/interaction/${encodeURIComponent(found.uid)}/upstream?state=${encodeURIComponent(state)}`,
      );
    }),
  );

  router.get(
    `${mountPath}/interaction/:uid/upstream`,
    step(async (req, res) => {
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      const found = state ? ((await attempts.find(state)) as Attempt | undefined) : undefined;
      // Single use, whatever happens next.
      if (state) await attempts.destroy(state);
      if (!found || found.uid !== req.params.uid || (!found.code && !found.error)) {
        sendPage(res, 400, failedPage('This sign-in has expired', 'Start the connection again from your MCP client.'));
        return;
      }
      const details = await interactionFor(provider, req, res, found.uid);
      if (!details) return;
      const refuse = (description: string) =>
        finishInteraction(provider, req, res, { error: 'access_denied', error_description: description });
      if (found.error || !found.code) {
        logger.info({ error: found.error }, 'broker sign-in: the identity provider returned an error');
        return refuse(`sign-in at the identity provider failed (${found.error})`);
      }
      let claims;
      try {
        claims = await o.upstream.finish(found.code, { state, nonce: found.nonce, codeVerifier: found.codeVerifier });
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        logger.warn({ reason: err.message }, 'broker sign-in: the identity provider sign-in could not be verified');
        return refuse('sign-in at the identity provider could not be verified');
      }
      const problem = admissionProblem(o.admission, claims);
      if (problem) {
        logger.info({ reason: problem }, 'broker sign-in: account not admitted');
        return refuse(`this account is not admitted to ${o.serverName}: ${problem}`);
      }
      await o
        .adapter('UpstreamAccount')
        .upsert(
          claims.sub,
          { name: claims.name, email: claims.email, email_verified: claims.email_verified } as Record<string, unknown>,
          PROFILE_TTL_SECONDS,
        );
      const granted = await grantRequested(provider, req, res, details, claims.sub, o.resource, o.scopes);
      logger.info({ clientId: details.params.client_id, scopes: granted }, 'broker sign-in: access granted');
    }),
  );

  router.post(
    `${mountPath}/interaction/:uid/abort`,
    step(async (req, res) => {
      const details = await interactionFor(provider, req, res);
      if (details)
        await finishInteraction(provider, req, res, {
          error: 'access_denied',
          error_description: 'The sign-in was cancelled',
        });
    }),
  );
}
