/**
 * The client configuration snippets (`infra/shared/client-config.ts`) as stack outputs. The URL may be a CDK
 * token: the snippets are plain string templates, resolved by CloudFormation in the outputs.
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { clientConfigFor } from '../shared/client-config';

export { claudeCodeCommand, claudeDesktopConfig, isValidClientName, vsCodeConfig } from '../shared/client-config';

/** The stack outputs that carry the snippets, with what to do with each. */
const OUTPUT_DESCRIPTIONS = {
  ClaudeDesktopConfig: 'Claude Desktop: merge into claude_desktop_config.json',
  ClaudeCodeCommand: 'Claude Code: run this command',
  VsCodeMcpJson: 'VS Code: merge into .vscode/mcp.json',
} as const;

export type ClientConfigOutputName = keyof typeof OUTPUT_DESCRIPTIONS;

/** All three snippets, keyed by the stack output that carries each. */
export function clientConfigs(name: string, url: string): Record<ClientConfigOutputName, string> {
  const c = clientConfigFor(name, url);
  return { ClaudeDesktopConfig: c.claudeDesktop, ClaudeCodeCommand: c.claudeCode, VsCodeMcpJson: c.vscode };
}

/** Adds one `CfnOutput` per snippet to `scope`. */
export function addClientConfigOutputs(scope: Construct, name: string, url: string): void {
  const configs = clientConfigs(name, url);
  for (const output of Object.keys(configs) as ClientConfigOutputName[]) {
    new CfnOutput(scope, output, { value: configs[output], description: OUTPUT_DESCRIPTIONS[output] });
  }
}
