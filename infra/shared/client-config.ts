/**
 * Ready-to-use MCP client configuration for one server URL, shared by the CDK app and the Pulumi components, and
 * the same way per client as the README and docs/auth.md give it:
 *
 * - OAuth (`oauth`, `broker`): clients discover everything from the URL. Claude Desktop adds a remote server as a
 *   custom connector (its `claude_desktop_config.json` only starts local processes, so a bare `url` there is ignored);
 *   Claude Code and VS Code take the URL and sign in themselves.
 * - Static tokens (`token`): every client must send `Authorization: Bearer <token>`. Claude Desktop gets it through
 *   the `mcp-remote` bridge in `claude_desktop_config.json`; Claude Code through `--header`; VS Code through a
 *   prompted secret input.
 *
 * Cloud-neutral on purpose: plain functions on strings, no aws-cdk-lib or Pulumi import. The URL may be an
 * unresolved CDK token (`${Token[...]}`): the snippets are plain string templates, so the token stays intact and
 * is resolved where the string ends up (a CloudFormation output). Pulumi applies them to the resolved URL.
 *
 * JSON snippets are compact (one line): they travel as stack output strings, where line breaks would show as `\n`.
 */

/** How clients authenticate: OAuth discovery from the URL, or a static bearer token in a header. */
export type ClientAuth = 'oauth' | 'token';

/** The client side of a server auth mode: only `token` needs a header; `oauth` and `broker` are discovered. */
export function clientAuthOf(authMode: string | undefined): ClientAuth {
  return authMode === 'token' ? 'token' : 'oauth';
}

/** The snippets of the common MCP clients for one server. */
export interface McpClientConfig {
  /**
   * Claude Desktop. OAuth: where to add the URL (*Settings → Connectors → Add custom connector*). Token: a
   * `claude_desktop_config.json` entry that runs `mcp-remote` with the `Authorization` header.
   */
  claudeDesktop: string;
  /** Claude Code: one `claude mcp add --transport http` command (with `--header` for a token). */
  claudeCode: string;
  /** VS Code `.vscode/mcp.json`: a server of type `http` (with a prompted token input for a token). */
  vscode: string;
}

/** What to do with each snippet, by client auth (the CDK outputs' descriptions; docs/cdk.md's table). */
export const CLIENT_CONFIG_HOW: Record<ClientAuth, Record<keyof McpClientConfig, string>> = {
  oauth: {
    claudeDesktop: 'Claude Desktop: Settings > Connectors > Add custom connector, paste the URL, Connect',
    claudeCode: 'Claude Code: run this command, then /mcp in Claude Code to sign in',
    vscode: 'VS Code: merge into .vscode/mcp.json; VS Code signs in when the server is started',
  },
  token: {
    claudeDesktop:
      'Claude Desktop: merge into claude_desktop_config.json and replace <token> with a token of MCP_BEARER_TOKENS (mcp-remote sends it)',
    claudeCode: 'Claude Code: set MCP_TOKEN to a token of MCP_BEARER_TOKENS, then run this command',
    vscode: 'VS Code: merge into .vscode/mcp.json; VS Code asks for a token of MCP_BEARER_TOKENS',
  },
};

/** The environment variable of the Claude Desktop bridge entry and of the Claude Code command that holds the token. */
const DESKTOP_HEADER_VAR = 'AUTH_HEADER';
const CODE_TOKEN_VAR = 'MCP_TOKEN';
const VSCODE_INPUT_ID = 'mcp-token';

/** Claude Desktop: the connector to add (OAuth), or a `claude_desktop_config.json` entry for `mcp-remote` (token). */
export function claudeDesktopConfig(name: string, url: string, auth: ClientAuth = 'oauth'): string {
  if (auth === 'oauth') return `Settings > Connectors > Add custom connector: ${url}`;
  return JSON.stringify({
    mcpServers: {
      [name]: {
        command: 'npx',
        args: ['-y', 'mcp-remote', url, '--header', `Authorization:\${${DESKTOP_HEADER_VAR}}`],
        env: { [DESKTOP_HEADER_VAR]: 'Bearer <token>' },
      },
    },
  });
}

/** Claude Code: one command that adds the server over Streamable HTTP. */
export function claudeCodeCommand(name: string, url: string, auth: ClientAuth = 'oauth'): string {
  const base = `claude mcp add --transport http ${name} ${url}`;
  return auth === 'oauth' ? base : `${base} --header "Authorization: Bearer \${${CODE_TOKEN_VAR}}"`;
}

/** VS Code `.vscode/mcp.json`: a server of type `http`; with a token, fed by a prompted password input. */
export function vsCodeConfig(name: string, url: string, auth: ClientAuth = 'oauth'): string {
  if (auth === 'oauth') return JSON.stringify({ servers: { [name]: { type: 'http', url } } });
  return JSON.stringify({
    inputs: [{ type: 'promptString', id: VSCODE_INPUT_ID, description: 'MCP server token', password: true }],
    servers: { [name]: { type: 'http', url, headers: { Authorization: `Bearer \${input:${VSCODE_INPUT_ID}}` } } },
  });
}

/** All three snippets for a server `name` (the client-side label), its exact MCP URL and how clients authenticate. */
export function clientConfigFor(name: string, url: string, auth: ClientAuth = 'oauth'): McpClientConfig {
  return {
    claudeDesktop: claudeDesktopConfig(name, url, auth),
    claudeCode: claudeCodeCommand(name, url, auth),
    vscode: vsCodeConfig(name, url, auth),
  };
}

/** A server name that every client accepts (and that needs no quoting in the command): letters, digits, `-`, `_`. */
export function isValidClientName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}
