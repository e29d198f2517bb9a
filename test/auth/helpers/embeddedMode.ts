/**
 * A server in one of the embedded authorization-server modes, ready for an OAuth client: `dev` (its own sign-in page)
 * or `broker` (with a local upstream identity provider), and how a test user signs in there.
 */
import { clickDevSignIn, signInAs, type SignIn } from './oauthClient';
import { plainFetch } from './metadataDocument';
import { startUpstreamIdp, type UpstreamIdp } from './upstreamIdp';
import { freePort, startTestServer, type TestServer } from '../../helpers/server';

export interface EmbeddedMode {
  server: TestServer;
  issuer: string;
  signIn: SignIn;
  close(): Promise<void>;
}

export async function startEmbeddedMode(mode: 'dev' | 'broker'): Promise<EmbeddedMode> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let idp: UpstreamIdp | undefined;
  const env: Record<string, string> = { PORT: String(port), MCP_AUTH_MODE: mode };
  if (mode === 'broker') {
    idp = await startUpstreamIdp(`${origin}/oauth/callback`);
    Object.assign(env, {
      UPSTREAM_ISSUER: idp.issuer,
      UPSTREAM_CLIENT_ID: idp.clientId,
      UPSTREAM_CLIENT_SECRET: idp.clientSecret,
    });
  }
  // Client ID Metadata Documents are served on 127.0.0.1 here: the fetch for them skips the public-address rule.
  const server = await startTestServer(env, undefined, { clientMetadataFetch: plainFetch });
  return {
    server,
    issuer: `${origin}/oauth`,
    signIn: mode === 'dev' ? clickDevSignIn : signInAs('alice'),
    close: async () => {
      await server.close();
      await idp?.close();
    },
  };
}
