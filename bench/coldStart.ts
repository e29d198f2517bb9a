/**
 * `npm run bench:coldstart`: process spawn → first `/readyz` 200, over several runs, for the compiled server;
 * plus the size of a production-only dependency install (what the image carries). Appends to docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/server';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.COLDSTART_RUNS ?? 11);

async function once(authMode: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', MCP_AUTH_MODE: authMode, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.ok) return performance.now() - started;
      } catch {
        /* not yet listening */
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function productionInstallMiB(): number {
  const dir = mkdtempSync(join(tmpdir(), 'rms-size-'));
  try {
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'ignore' });
    return Number(execFileSync('du', ['-sk', join(dir, 'node_modules')]).toString().split('\t')[0]) / 1024;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows: string[] = [];
  // Node's compile cache (NODE_COMPILE_CACHE) was tried too: no measurable gain here, so the image does not use it.
  const variants: [string, string, Record<string, string>][] = [
    ['none', 'none', {}],
    ['token (production, static tokens)', 'token', { MCP_BEARER_TOKENS: 'bench-token-0123456789abcdef' }],
    ['dev (embedded authorization server)', 'dev', {}],
  ];
  for (const [label, mode, env] of variants) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await once(mode, env));
    rows.push(`| ${label} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${Math.max(...times).toFixed(0)} |`);
  }
  const size = productionInstallMiB();
  const md = [
    '',
    '## Cold start',
    '',
    `\`npm run bench:coldstart\` — spawn of \`node dist/server/main.js\` until \`/readyz\` answers 200, ${RUNS} runs per auth mode.`,
    '',
    '| auth mode | median ms | min ms | max ms |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    `Production dependencies (\`npm ci --omit=dev\`): ${size.toFixed(1)} MiB.`,
    '',
  ].join('\n');
  console.log(md);
  appendFileSync(join(ROOT, 'docs', 'benchmarks.md'), md);
}

void main();
