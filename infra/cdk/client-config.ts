/**
 * The client configuration snippets (`infra/shared/client-config.ts`) as stack outputs. The URL may be a CDK
 * token: the snippets are plain string templates, resolved by CloudFormation in the outputs.
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CLIENT_CONFIG_HOW, clientConfigFor, type ClientAuth, type McpClientConfig } from '../shared/client-config';

export {
  claudeCodeCommand,
  claudeDesktopConfig,
  clientAuthOf,
  isValidClientName,
  vsCodeConfig,
  type ClientAuth,
} from '../shared/client-config';

/** The stack output that carries each snippet. */
const OUTPUT_NAMES = {
  ClaudeDesktop: 'claudeDesktop',
  ClaudeCodeCommand: 'claudeCode',
  VsCodeMcpJson: 'vscode',
} as const satisfies Record<string, keyof McpClientConfig>;

export type ClientConfigOutputName = keyof typeof OUTPUT_NAMES;

/** All three snippets, keyed by the stack output that carries each. */
export function clientConfigs(
  name: string,
  url: string,
  auth: ClientAuth = 'oauth',
): Record<ClientConfigOutputName, string> {
  const c = clientConfigFor(name, url, auth);
  return { ClaudeDesktop: c.claudeDesktop, ClaudeCodeCommand: c.claudeCode, VsCodeMcpJson: c.vscode };
}

/** Adds one `CfnOutput` per snippet to `scope`, each described by what to do with it. */
export function addClientConfigOutputs(scope: Construct, name: string, url: string, auth: ClientAuth): void {
  const configs = clientConfigs(name, url, auth);
  for (const output of Object.keys(configs) as ClientConfigOutputName[]) {
    new CfnOutput(scope, output, {
      value: configs[output],
      description: CLIENT_CONFIG_HOW[auth][OUTPUT_NAMES[output]],
    });
  }
}
