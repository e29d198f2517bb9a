/** The client configuration snippets (`infra/shared/client-config.ts`) over a Pulumi output URL. */
import * as pulumi from '@pulumi/pulumi';
import { clientConfigFor, type McpClientConfig } from '../../shared/client-config';

export { clientConfigFor, type McpClientConfig } from '../../shared/client-config';

/** `clientConfigFor` once the URL is known. */
export function clientConfigOutput(name: string, mcpUrl: pulumi.Input<string>): pulumi.Output<McpClientConfig> {
  return pulumi.output(mcpUrl).apply((url) => clientConfigFor(name, url));
}
