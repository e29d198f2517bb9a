/**
 * Runs the official MCP conformance CLI (`@modelcontextprotocol/conformance`, `conformance server`) against the
 * real app started in this process with the fixture capability set, and reads back its per-scenario results.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionMode } from '../../server/config/contract';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/roundRobinProxy';
import { freePort, startTestServer, type TestServer } from '../helpers/server';
import { conformanceCapabilities } from './fixture';

/** The CLI's entry point; run with this process's Node (the suite needs Node >= 22). */
export const CONFORMANCE_CLI = require.resolve('@modelcontextprotocol/conformance/dist/index.js');

export interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  /** The CLI's own rule: a scenario is clean when it has no FAILURE and no WARNING check. */
  clean: boolean;
  problems: string[];
}

/** The frozen requirement sets of the CLI (`--requirements`): each runs at its own wire version. */
export type RequirementSet = '2025-11-25' | '2026-07-28';

export interface ConformanceRun {
  mode: SessionMode;
  /** The requirement set run, when one was. */
  requirements?: RequirementSet;
  /** Instances behind the URL (several: on Redis behind a round-robin proxy). */
  instances: number;
  url: string;
  exitCode: number | null;
  output: string;
  seconds: number;
  scenarios: ScenarioResult[];
  /** Totals over all scenarios (SUCCESS and FAILURE checks, as the CLI counts them). */
  passed: number;
  failed: number;
  warnings: number;
  /**
   * Scored scenarios: those the CLI said it would run (`Running <suite> suite (N scenarios)`), or the server scenarios
   * of the requirement set; 1 for a single scenario.
   */
  announced: number;
  /** Server log lines at warn level or above, other than access-log lines, to explain a failure. */
  serverWarnings: string[];
}

export interface RunOptions {
  /** Suite to run. @default 'active' */
  suite?: 'active' | 'all' | 'pending';
  /** Run a frozen requirement set instead of a suite (scenarios it runs but does not score are left out). */
  requirements?: RequirementSet;
  /** Run only this scenario. */
  scenario?: string;
  /** A baseline of scenarios allowed to fail (`server:` list); unexpected and stale entries both fail the run. */
  expectedFailures?: string;
  /** More CLI arguments (e.g. `--verbose`). */
  extraArgs?: string[];
  /** Kill the CLI after this long. @default 150 s */
  timeoutMs?: number;
  /**
   * Serve from this many instances sharing a Redis session store, behind a round-robin proxy with no stickiness
   * (stateful mode). @default 1 (one instance, sessions in memory)
   */
  instances?: number;
}

/** Starts the app in `mode` with the fixture, runs the CLI against it, and shuts the app down. */
export async function runConformance(mode: SessionMode, options: RunOptions = {}): Promise<ConformanceRun> {
  // Listed before the server starts (a synchronous spawn would block the server under test).
  const required = options.requirements ? requiredServerScenarios(options.requirements) : undefined;
  const target = await startTarget(mode, options.instances ?? 1);
  const server = target.servers[0]!;
  const outDir = await mkdtemp(join(tmpdir(), `conformance-${mode}-`));
  const started = Date.now();
  try {
    const args = [CONFORMANCE_CLI, 'server', '--url', target.url, '-o', outDir];
    if (options.scenario) args.push('--scenario', options.scenario);
    else if (options.requirements) args.push('--requirements', options.requirements);
    else args.push('--suite', options.suite ?? 'active');
    if (options.expectedFailures) args.push('--expected-failures', options.expectedFailures);
    args.push(...(options.extraArgs ?? []));
    const { exitCode, output } = await runCli(args, options.timeoutMs ?? 150_000);
    // A requirement-set run also runs scenarios it does not score (extensions, pending): leave them out.
    const scenarios = (await readResults(outDir, output)).filter((r) => !required || required.includes(r.scenario));
    const sum = (k: 'passed' | 'failed' | 'warnings') => scenarios.reduce((n, s) => n + s[k], 0);
    return {
      mode,
      requirements: options.requirements,
      instances: options.instances ?? 1,
      url: target.url,
      exitCode,
      output,
      seconds: (Date.now() - started) / 1000,
      scenarios,
      passed: sum('passed'),
      failed: sum('failed'),
      warnings: sum('warnings'),
      announced: options.scenario
        ? 1
        : required
          ? required.length
          : Number(/Running \S+ suite \((\d+) scenarios\)/.exec(output)?.[1] ?? 0),
      // Access-log lines (they carry `res`) are expected 4xx answers (405 GET when stateless, 403 DNS rebinding).
      serverWarnings: target.servers
        .flatMap((s) => s.logs)
        .filter((l) => typeof l.level === 'number' && l.level >= 40 && !('res' in l))
        .map((l) => JSON.stringify(l)),
    };
  } finally {
    await target.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

/** One instance (sessions in memory), or several on Redis behind a round-robin proxy. */
async function startTarget(
  mode: SessionMode,
  instances: number,
): Promise<{ url: string; servers: TestServer[]; close(): Promise<void> }> {
  // Shared requestState keys: a 2026-07-28 retry may reach another instance.
  const env = {
    MCP_SESSION_MODE: mode,
    MCP_DRAIN_SECONDS: '1',
    MCP_REQUEST_STATE_KEYS: 'conformance-request-state-key-0123456789',
  };
  if (instances === 1) {
    const server = await startTestServer(env, conformanceCapabilities());
    return { url: server.mcpUrl.href, servers: [server], close: () => server.close() };
  }
  const redis: RedisServer = await startRedis();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const servers: TestServer[] = [];
  for (let i = 0; i < instances; i++) {
    servers.push(
      await startTestServer({ ...env, REDIS_URL: redis.url, MCP_PUBLIC_URL: url }, conformanceCapabilities()),
    );
  }
  const proxy: RoundRobinProxy = await startRoundRobinProxy(
    servers.map((s) => s.baseUrl),
    port,
  );
  return {
    url,
    servers,
    async close() {
      await proxy.close();
      for (const s of servers) await s.close();
      await redis.stop();
    },
  };
}

/**
 * Spawns the CLI asynchronously: the server under test runs in this process, so a synchronous spawn would
 * block the event loop that has to answer the CLI.
 */
function runCli(args: string[], timeoutMs: number): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[harness] conformance CLI killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output });
    });
  });
}

/**
 * Reads `<outDir>/server-<scenario>-<timestamp>/checks.json`. A scenario the CLI announced but wrote no file for
 * (it threw before returning checks) counts as one failed check.
 */
async function readResults(outDir: string, output: string): Promise<ScenarioResult[]> {
  const results = new Map<string, ScenarioResult>();
  for (const entry of await readdir(outDir)) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!match) continue;
    const checks = JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as Check[];
    const count = (status: string) => checks.filter((c) => c.status === status).length;
    const problems = checks
      .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
      .map((c) => `${c.status} ${c.name}: ${c.errorMessage ?? ''}`.trim());
    const result = {
      scenario: match[1]!,
      passed: count('SUCCESS'),
      failed: count('FAILURE'),
      warnings: count('WARNING'),
    };
    results.set(result.scenario, { ...result, clean: result.failed === 0 && result.warnings === 0, problems });
  }
  for (const [, scenario] of output.matchAll(/^=== Running scenario: (\S+) ===$/gm)) {
    if (!results.has(scenario!)) {
      results.set(scenario!, {
        scenario: scenario!,
        passed: 0,
        failed: 1,
        warnings: 0,
        clean: false,
        problems: ['no results written'],
      });
    }
  }
  return [...results.values()].sort((a, b) => a.scenario.localeCompare(b.scenario));
}

/** The server scenarios a requirement set scores (`conformance list --requirements <set>`, "Server scenarios"). */
export function requiredServerScenarios(set: RequirementSet): string[] {
  const listed = spawnSync(process.execPath, [CONFORMANCE_CLI, 'list', '--requirements', set], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const section = /Server scenarios[^\n]*\n([\s\S]*?)(?:\n\s*\n|$)/.exec(listed.stdout)?.[1] ?? '';
  const names = [...section.matchAll(/^\s*- (\S+)/gm)].map((m) => m[1]!);
  if (names.length === 0)
    throw new Error(
      `conformance list --requirements ${set} listed no server scenarios:\n${listed.stdout}${listed.stderr}`,
    );
  return names;
}

/** One line per run, e.g. `conformance stateful 2026-07-28: 37/37 scenarios clean, 120/120 checks passed (12.3 s)`. */
export function summaryLine(run: ConformanceRun): string {
  const clean = run.scenarios.filter((s) => s.clean).length;
  const checks = run.passed + run.failed;
  const warn = run.warnings ? `, ${run.warnings} warning(s)` : '';
  const set = run.requirements ? ` ${run.requirements}` : '';
  const where = run.instances > 1 ? ` on ${run.instances} instances` : '';
  return (
    `conformance ${run.mode}${where}${set}: ${clean}/${run.scenarios.length} scenarios clean, ` +
    `${run.passed}/${checks} checks passed${warn} (${run.seconds.toFixed(1)} s)`
  );
}

/** A readable table of scenarios that were not clean. */
export function problemReport(run: ConformanceRun): string {
  return run.scenarios
    .filter((s) => !s.clean)
    .map(
      (s) =>
        `  ${s.scenario}: ${s.passed} passed, ${s.failed} failed, ${s.warnings} warnings\n${s.problems.map((p) => `    - ${p}`).join('\n')}`,
    )
    .join('\n');
}
