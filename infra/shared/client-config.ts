/**
 * Ready-to-paste MCP client configuration for one server URL, shared by the CDK app and the Pulumi components.
 *
 * Cloud-neutral on purpose: plain functions on strings, no aws-cdk-lib or Pulumi import. The URL may be an
 * unresolved CDK token (`${Token[...]}`): the snippets are plain string templates, so the token stays intact and
 * is resolved where the string ends up (a CloudFormation output). Pulumi applies them to the resolved URL.
 *
 * JSON snippets are compact (one line): they travel as stack output strings, where line breaks would show as `\n`.
 */

/** The snippets of the common MCP clients for one server. */
export interface McpClientConfig {
  /** `claude_desktop_config.json` fragment: `{"mcpServers":{"<name>":{"url":"<mcp url>"}}}`. */
  claudeDesktop: string;
  /** Claude Code command: `claude mcp add --transport http <name> <mcp url>`. */
  claudeCode: string;
  /** VS Code `.vscode/mcp.json`: `{"servers":{"<name>":{"type":"http","url":"<mcp url>"}}}`. */
  vscode: string;
}

/** Claude Desktop `claude_desktop_config.json`: an `mcpServers` entry with the server's `url`. */
export function claudeDesktopConfig(name: string, url: string): string {
  return JSON.stringify({ mcpServers: { [name]: { url } } });
}

/** Claude Code: one command that adds the server over Streamable HTTP. */
export function claudeCodeCommand(name: string, url: string): string {
  return `claude mcp add --transport http ${name} ${url}`;
}

/** VS Code `.vscode/mcp.json`: a server of type `http`. */
export function vsCodeConfig(name: string, url: string): string {
  return JSON.stringify({ servers: { [name]: { type: 'http', url } } });
}

/** All three snippets for a server `name` (the client-side label) and its exact MCP URL. */
export function clientConfigFor(name: string, url: string): McpClientConfig {
  return {
    claudeDesktop: claudeDesktopConfig(name, url),
    claudeCode: claudeCodeCommand(name, url),
    vscode: vsCodeConfig(name, url),
  };
}

/** A server name that every client accepts (and that needs no quoting in the command): letters, digits, `-`, `_`. */
export function isValidClientName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}
