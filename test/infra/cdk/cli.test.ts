/**
 * The real CLI: `cdk synth` of the repository's cdk.json app, as a person runs it (no credentials, no docker).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FINDINGS } from '../../../infra/cdk';
import { REPO_ROOT } from './helpers';

const CDK = require.resolve('aws-cdk/bin/cdk');

function cdkSynth(context: Record<string, string>): { status: number | null; stdout: string; stderr: string; out: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-cdk-'));
  const args = [CDK, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out];
  for (const [k, v] of Object.entries(context)) args.push('-c', `${k}=${v}`);
  const r = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 150_000,
    // The app runs through `npx ts-node`: use this node's npx; keep the CLI's region defaulting as it is.
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, CI: 'true' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

describe('npx cdk synth', () => {
  // With the session store on, so that every acknowledged finding (the store's too) is exercised by the real CLI.
  test('with example context and -c sessionStore=true: exits 0, and every validator finding is fixed or acknowledged', () => {
    const r = cdkSynth({
      domainName: 'mcp.example.com',
      hostedZoneId: 'Z0123456789ABC',
      hostedZoneName: 'example.com',
      oauthIssuer: 'https://auth.example.com',
      oauthScopes: 'mcp:tools',
      sessionMode: 'stateful',
      sessionStore: 'true',
    });
    try {
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/ERROR/) });

      const template = JSON.parse(fs.readFileSync(path.join(r.out, 'McpServer.template.json'), 'utf8'));
      expect(template.Outputs.McpUrl.Value).toBe('https://mcp.example.com/mcp');
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
      expect(types.filter((t) => t === 'AWS::ElastiCache::ServerlessCache')).toHaveLength(1);
      // The default image is the repository's Dockerfile, staged (not built) as an asset.
      expect(fs.readdirSync(r.out).some((f) => f.startsWith('asset.') && fs.existsSync(path.join(r.out, f, 'Dockerfile')))).toBe(true);

      const report = JSON.parse(fs.readFileSync(path.join(r.out, 'validation-report.json'), 'utf8')) as Report;
      const names = report.pluginReports.map((p) => p.pluginName);
      expect(names).toEqual(expect.arrayContaining(['AwsSolutions', 'cdk-validator-cfnguard']));
      for (const p of report.pluginReports) {
        expect({ plugin: p.pluginName, conclusion: p.conclusion, violations: p.violations }).toEqual({
          plugin: p.pluginName,
          conclusion: 'success',
          violations: [],
        });
      }
      // What was suppressed is exactly what findings.ts acknowledges, one entry per construct it names: no more, no
      // stale entry (a rule acknowledged on two resources is two entries on both sides).
      const suppressed = report.pluginReports
        .flatMap((p) => (p.suppressedViolations ?? []).flatMap((v) => v.violatingConstructs.map(() => `${p.pluginName}::${v.ruleName}`)))
        .sort();
      const acknowledged = FINDINGS.flatMap((f) => (f.ack ? [f.ack.id] : [])).sort();
      expect(suppressed).toEqual(acknowledged);
    } finally {
      fs.rmSync(r.out, { recursive: true, force: true });
    }
  }, 180_000);

  test('without context: exits non-zero with one clear message and no stack trace', () => {
    const r = cdkSynth({});
    try {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('Missing or invalid context for the MCP server stack');
      expect(r.stderr).toContain('-c certificateArn=');
      expect(r.stderr).toContain('-c oauthIssuer=');
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    } finally {
      fs.rmSync(r.out, { recursive: true, force: true });
    }
  }, 180_000);
});
