/** The cloud-neutral client configuration snippets that the CDK outputs and the Pulumi components both carry. */
import { claudeCodeCommand, claudeDesktopConfig, clientConfigFor, isValidClientName, vsCodeConfig } from '../../../infra/shared/client-config';

const URL = 'https://mcp.example.com/mcp';

test('each snippet is what its client expects', () => {
  expect(JSON.parse(claudeDesktopConfig('team-mcp', URL))).toEqual({ mcpServers: { 'team-mcp': { url: URL } } });
  expect(claudeCodeCommand('team-mcp', URL)).toBe(`claude mcp add --transport http team-mcp ${URL}`);
  expect(JSON.parse(vsCodeConfig('team-mcp', URL))).toEqual({ servers: { 'team-mcp': { type: 'http', url: URL } } });
});

test('clientConfigFor gathers the three, JSON on one line (stack outputs are single strings)', () => {
  const c = clientConfigFor('team-mcp', URL);
  expect(c).toEqual({ claudeDesktop: claudeDesktopConfig('team-mcp', URL), claudeCode: claudeCodeCommand('team-mcp', URL), vscode: vsCodeConfig('team-mcp', URL) });
  expect(c.claudeDesktop).toBe('{"mcpServers":{"team-mcp":{"url":"https://mcp.example.com/mcp"}}}');
  expect(c.vscode).toBe('{"servers":{"team-mcp":{"type":"http","url":"https://mcp.example.com/mcp"}}}');
});

test('an unresolved CDK token in the URL passes through untouched', () => {
  const token = 'https://${Token[TOKEN.123]}/mcp';
  expect(claudeDesktopConfig('a', token)).toContain(token);
  expect(claudeCodeCommand('a', token)).toContain(token);
});

test('client names need no quoting', () => {
  for (const ok of ['remote-mcp', 'team_mcp', 'A1']) expect(isValidClientName(ok)).toBe(true);
  for (const bad of ['', 'my server', 'a;b', 'x'.repeat(65)]) expect(isValidClientName(bad)).toBe(false);
});
