/**
 * The real CLI: `cdk synth` of the repository's cdk.json app, as a person runs it (no credentials, no docker).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations, type Stack } from 'aws-cdk-lib';
import { PATHS } from '../../../server/config/contract';
import { FINDINGS, McpServerStack, readAppContext, servicePropsFromContext, type ContextKey } from '../../../infra/cdk';
import { newApp, REGION, REPO_ROOT, repoContext, testOutRoot } from './helpers';

const CDK = require.resolve('aws-cdk/bin/cdk');

function cdkSynth(context: Record<string, string>): {
  status: number | null;
  stdout: string;
  stderr: string;
  out: string;
} {
  // Under the test file's directory: removed after its tests even when one fails before its own cleanup.
  const out = fs.mkdtempSync(path.join(testOutRoot(), 'cdk-cli-'));
  const args = [CDK, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out];
  for (const [k, v] of Object.entries(context)) args.push('-c', `${k}=${v}`);
  const r = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 150_000,
    // The app runs through `npx ts-node`: use this node's npx; keep the CLI's region defaulting as it is.
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
      CI: 'true',
    },
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

/**
 * Every acknowledgement of the two validators the app adds, recorded on the stack's constructs: one `<id>` per construct
 * it is on. (aws-cdk-lib acknowledges some of its own default-rule findings too: those are not ours to compare.)
 */
function acknowledgedIn(stack: Stack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as object)),
    )
    .filter((id) => id.startsWith('AwsSolutions::') || id.startsWith('cdk-validator-cfnguard::'));
}

/** The same app the CLI runs, built in this process from the same context and cdk.json flags. */
function inProcessStack(context: Record<string, string>): Stack {
  const app = newApp({ context: repoContext() });
  const c = readAppContext((key: ContextKey) => context[key], REGION);
  return new McpServerStack(app, c.stackName, { env: { region: c.region }, service: servicePropsFromContext(c) });
}

// No region: the CLI defaults it as it does for a person (the acknowledgements do not depend on it).
const ZONE = { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' };

/** Acknowledgement ids seen by the synths below: together they must cover every acknowledged finding. */
const seen = new Set<string>();

describe('npx cdk synth', () => {
  /**
   * Synthesizes with the CLI, checks that it exits 0 with every plugin clean, and that what was suppressed is exactly
   * what findings.ts acknowledged on the same app, one entry per construct: no unreviewed finding, no stale entry (a
   * rule acknowledged on two resources is two entries on both sides).
   */
  function synthAndCompare(context: Record<string, string>, inspect: (template: any, out: string) => void): void {
    const r = cdkSynth(context);
    try {
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/ERROR/) });
      const template = JSON.parse(fs.readFileSync(path.join(r.out, 'McpServer.template.json'), 'utf8'));
      inspect(template, r.out);

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
      const suppressed = report.pluginReports
        .flatMap((p) =>
          (p.suppressedViolations ?? []).flatMap((v) =>
            v.violatingConstructs.map(() => `${p.pluginName}::${v.ruleName}`),
          ),
        )
        .sort();
      const acknowledged = acknowledgedIn(inProcessStack(context)).sort();
      expect(suppressed).toEqual(acknowledged);
      for (const id of acknowledged) seen.add(id);
    } finally {
      fs.rmSync(r.out, { recursive: true, force: true });
    }
  }

  // With the session store on, so that the store's acknowledged findings are exercised by the real CLI.
  test('with example context and -c sessionStore=true: exits 0, and every validator finding is fixed or acknowledged', () => {
    synthAndCompare(
      {
        ...ZONE,
        oauthIssuer: 'https://auth.example.com',
        oauthScopes: 'mcp:tools',
        sessionMode: 'stateful',
        sessionStore: 'true',
      },
      (template, out) => {
        expect(template.Outputs.McpUrl.Value).toBe('https://mcp.example.com/mcp');
        const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
        expect(types.filter((t) => t === 'AWS::ElastiCache::ServerlessCache')).toHaveLength(1);
        // The default image is the repository's Dockerfile, staged (not built) as an asset.
        expect(
          fs.readdirSync(out).some((f) => f.startsWith('asset.') && fs.existsSync(path.join(out, f, 'Dockerfile'))),
        ).toBe(true);
      },
    );
  }, 180_000);

  // Broker mode with a created Cognito user pool, on one task: the pool's and its custom resource's findings.
  test('with -c authMode=broker -c brokerCognito=true: exits 0, and every validator finding is fixed or acknowledged', () => {
    synthAndCompare(
      { ...ZONE, authMode: 'broker', brokerCognito: 'true', autoScaling: 'false', desiredCount: '1' },
      (template) => {
        const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
        expect(types.filter((t) => t === 'AWS::Cognito::UserPool')).toHaveLength(1);
        expect(template.Outputs.UpstreamCallbackUrl.Value).toBe(`https://mcp.example.com${PATHS.upstreamCallback}`);
      },
    );
  }, 180_000);

  test('together, the synths above exercise every acknowledged finding (none is stale)', () => {
    expect([...seen].sort()).toEqual([...new Set(FINDINGS.flatMap((f) => (f.ack ? [f.ack.id] : [])))].sort());
  });

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
