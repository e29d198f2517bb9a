/**
 * Broker mode (`authMode: 'broker'`) as the CDK construct, the Pulumi components and the Pulumi program all check it.
 * Cloud-neutral: imports only the server contract.
 */
import { ENV, PATHS } from '../../server/config/contract';

/**
 * The redirect URI of the server at the upstream provider: `<origin of the MCP URL>/oauth/callback` (the contract's
 * `PATHS.upstreamCallback`; a path prefix of the MCP URL is not part of it).
 */
export function upstreamCallbackUrlOf(mcpUrl: string): string {
  return `${new URL(mcpUrl).origin}${PATHS.upstreamCallback}`;
}

/** The contract's own check of a `BROKER_SIGNING_KEYS` value (the server parses it with the same function). */
export { BROKER_SIGNING_KEY_ALGS, signingKeysProblem } from '../../server/config/contract';

/**
 * Why broker mode may fail on a service that can run more than one instance without a shared store: the broker keeps
 * registered clients, sign-ins in progress and refresh tokens in each instance's memory (in Redis with `REDIS_URL`), and until `BROKER_SIGNING_KEYS` is set each
 * instance signs with keys of its own. `count` describes the instances; `fix` says, in the caller's terms, what to do.
 */
export function brokerInstancesWarning(count: string, fix: string): string {
  return (
    `authMode 'broker' runs on ${count} without a shared session store: the broker keeps registered clients, ` +
    "sign-ins in progress and refresh tokens in each instance's memory, so a sign-in that starts on one instance can " +
    `end on another and fail; and until ${ENV.brokerSigningKeys} is set, each instance signs with keys of its own. ${fix}`
  );
}
