/**
 * Ready-to-paste client configuration for a deployed MCP URL (the URL may be a CDK token: these are plain
 * string templates, resolved by CloudFormation in the stack outputs).
 */

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

/** All three, keyed by the stack output that carries each. */
export function clientConfigs(name: string, url: string): Record<'ClaudeDesktopConfig' | 'ClaudeCodeCommand' | 'VsCodeMcpJson', string> {
  return {
    ClaudeDesktopConfig: claudeDesktopConfig(name, url),
    ClaudeCodeCommand: claudeCodeCommand(name, url),
    VsCodeMcpJson: vsCodeConfig(name, url),
  };
}

/** A server name that every client accepts: letters, digits, `-` and `_`. */
export function isValidClientName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}
