/**
 * The cloud-neutral client configuration snippets that the CDK outputs and the Pulumi components both carry: one way
 * per client and auth mode, the same as docs/auth.md gives it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLIENT_CONFIG_HOW,
  claudeCodeCommand,
  claudeDesktopConfig,
  clientAuthOf,
  clientConfigFor,
  isValidClientName,
  vsCodeConfig,
} from '../../../infra/shared/client-config';

const URL = 'https://mcp.example.com/mcp';
const authDoc = fs.readFileSync(path.resolve(__dirname, '../../../docs/auth.md'), 'utf8');

/** The fenced blocks of one section of docs/auth.md. */
function blocksOf(heading: string): string[] {
  const section = authDoc.split(`\n### ${heading}\n`)[1]!.split('\n## ')[0]!.split('\n### ')[0]!;
  return [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('OAuth: Claude Desktop adds a connector (its config file does not take a url), the others take the URL', () => {
  expect(claudeDesktopConfig('team-mcp', URL)).toBe(`Settings > Connectors > Add custom connector: ${URL}`);
  expect(claudeCodeCommand('team-mcp', URL)).toBe(`claude mcp add --transport http team-mcp ${URL}`);
  expect(JSON.parse(vsCodeConfig('team-mcp', URL))).toEqual({ servers: { 'team-mcp': { type: 'http', url: URL } } });
});

test('token: every snippet sends the Authorization header, none holds a token', () => {
  const c = clientConfigFor('team-mcp', URL, 'token');
  expect(JSON.parse(c.claudeDesktop)).toEqual({
    mcpServers: {
      'team-mcp': {
        command: 'npx',
        args: ['-y', 'mcp-remote', URL, '--header', 'Authorization:${AUTH_HEADER}'],
        env: { AUTH_HEADER: 'Bearer <token>' },
      },
    },
  });
  expect(c.claudeCode).toBe(
    `claude mcp add --transport http team-mcp ${URL} --header "Authorization: Bearer \${MCP_TOKEN}"`,
  );
  expect(JSON.parse(c.vscode).servers['team-mcp'].headers).toEqual({ Authorization: 'Bearer ${input:mcp-token}' });
});

test('the snippets are the ones docs/auth.md gives, per client and mode', () => {
  const code = blocksOf('Claude Code')[0]!
    .split('\n')
    .filter((l) => l.startsWith('claude mcp add'));
  expect(code).toContain(claudeCodeCommand('my-server', URL));
  expect(code).toContain(claudeCodeCommand('my-server', URL, 'token'));
  const desktop = JSON.parse(blocksOf('Claude Desktop')[0]!).mcpServers['my-server-token'];
  expect(desktop).toEqual(
    JSON.parse(claudeDesktopConfig('my-server-token', URL, 'token')).mcpServers['my-server-token'],
  );
  const [vscodeOauth, vscodeToken] = blocksOf('VS Code').map((b) => JSON.parse(b));
  expect(vscodeOauth).toEqual(JSON.parse(vsCodeConfig('my-server', URL)));
  expect(vscodeToken).toEqual(JSON.parse(vsCodeConfig('my-server', URL, 'token')));
  expect(authDoc).toContain('*Settings → Connectors → Add custom connector*');
});

test('auth modes map to what clients do: only token needs a header', () => {
  expect(clientAuthOf('token')).toBe('token');
  for (const mode of ['oauth', 'broker', undefined]) expect(clientAuthOf(mode)).toBe('oauth');
  for (const auth of ['oauth', 'token'] as const)
    expect(Object.keys(CLIENT_CONFIG_HOW[auth]).sort()).toEqual(['claudeCode', 'claudeDesktop', 'vscode']);
});

test('JSON on one line (stack outputs are single strings)', () => {
  for (const auth of ['oauth', 'token'] as const) {
    for (const snippet of Object.values(clientConfigFor('team-mcp', URL, auth))) expect(snippet).not.toContain('\n');
  }
});

test('an unresolved CDK token in the URL passes through untouched', () => {
  const token = 'https://${Token[TOKEN.123]}/mcp';
  for (const auth of ['oauth', 'token'] as const) {
    expect(claudeDesktopConfig('a', token, auth)).toContain(token);
    expect(claudeCodeCommand('a', token, auth)).toContain(token);
    expect(vsCodeConfig('a', token, auth)).toContain(token);
  }
});

test('client names need no quoting', () => {
  for (const ok of ['remote-mcp', 'team_mcp', 'A1']) expect(isValidClientName(ok)).toBe(true);
  for (const bad of ['', 'my server', 'a;b', 'x'.repeat(65)]) expect(isValidClientName(bad)).toBe(false);
});
