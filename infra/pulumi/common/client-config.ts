import * as pulumi from '@pulumi/pulumi';

/** Ready-to-paste configuration of the common MCP clients for one server URL. */
export interface McpClientConfig {
  /** `claude_desktop_config.json` fragment: `{"mcpServers": {"<name>": {"url": "<mcp url>"}}}`. */
  claudeDesktop: string;
  /** Claude Code command: `claude mcp add --transport http <name> <mcp url>`. */
  claudeCode: string;
  /** VS Code `.vscode/mcp.json`: `{"servers": {"<name>": {"type": "http", "url": "<mcp url>"}}}`. */
  vscode: string;
}

/** The snippets for a server `name` (used as the client-side label) and its exact MCP URL. */
export function clientConfigFor(name: string, mcpUrl: string): McpClientConfig {
  return {
    claudeDesktop: JSON.stringify({ mcpServers: { [name]: { url: mcpUrl } } }, null, 2),
    claudeCode: `claude mcp add --transport http ${name} ${mcpUrl}`,
    vscode: JSON.stringify({ servers: { [name]: { type: 'http', url: mcpUrl } } }, null, 2),
  };
}

/** `clientConfigFor` over an output URL. */
export function clientConfigOutput(name: string, mcpUrl: pulumi.Input<string>): pulumi.Output<McpClientConfig> {
  return pulumi.output(mcpUrl).apply((url) => clientConfigFor(name, url));
}
