/** docs/cdk.md stays in step with the code: every context key and every validator finding is documented. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_KEYS, FINDINGS } from '../../../infra/cdk';
import { REPO_ROOT } from './helpers';

const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/cdk.md'), 'utf8');

test('every context key the app reads is in the context table', () => {
  for (const key of Object.keys(CONTEXT_KEYS)) expect(doc).toMatch(new RegExp(`\\|[^\\n]*\`${key}\`[^\\n]*\\|`));
});

test('every finding is in the findings table with its resolution', () => {
  for (const f of FINDINGS) {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${f.validator} | ${f.rule} |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${f.resolution} |`);
  }
});

test('the import sample uses the package entry point', () => {
  expect(doc).toContain("import { McpFargateService, addComplianceChecks } from 'remote-mcp-stacks/cdk';");
});

test('every stack output is in the outputs table (the client snippets under their own names)', () => {
  for (const output of [
    'McpUrl',
    'ClaudeDesktop',
    'ClaudeCodeCommand',
    'VsCodeMcpJson',
    'SecretArn',
    'LoadBalancerDnsName',
  ]) {
    expect([output, doc.includes(`| \`${output}\` |`)]).toEqual([output, true]);
  }
  expect(doc).not.toContain('ClaudeDesktopConfig');
});
