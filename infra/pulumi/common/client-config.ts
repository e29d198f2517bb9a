/** The client configuration snippets (`infra/shared/client-config.ts`) over a Pulumi output URL. */
import * as pulumi from '@pulumi/pulumi';
import { clientAuthOf, clientConfigFor, type McpClientConfig } from '../../shared/client-config';

export { clientAuthOf, clientConfigFor, type ClientAuth, type McpClientConfig } from '../../shared/client-config';

/** `clientConfigFor` once the URL is known, for the server's auth mode (a token needs a header, OAuth does not). */
export function clientConfigOutput(
  name: string,
  mcpUrl: pulumi.Input<string>,
  authMode: string | undefined,
): pulumi.Output<McpClientConfig> {
  return pulumi.output(mcpUrl).apply((url) => clientConfigFor(name, url, clientAuthOf(authMode)));
}
