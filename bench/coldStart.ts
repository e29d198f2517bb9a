/**
 * `npm run bench:coldstart`: process spawn → first `/readyz` 200, over several runs, for the compiled server and for a
 * bare express app started the same way in the same run (absolute times differ ~2× between machines: the ratio is
 * the figure to compare); plus the size of a production-only dependency install (what the image carries). Appends
 * to docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/server';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.COLDSTART_RUNS ?? 11);

const SERVER = join(ROOT, 'dist', 'server', 'main.js');
const BARE_EXPRESS = join(__dirname, 'servers', 'bareExpressReady.js');

async function once(script: string, authMode: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      MCP_AUTH_MODE: authMode,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
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
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      stdio: 'ignore',
    });
    return (
      Number(
        execFileSync('du', ['-sk', join(dir, 'node_modules')])
          .toString()
          .split('\t')[0],
      ) / 1024
    );
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
  const bare: number[] = [];
  const times = variants.map(() => [] as number[]);
  // Interleaved (bare express, then each mode, per round): a machine that slows down mid-run slows every row alike.
  for (let i = 0; i < RUNS; i++) {
    bare.push(await once(BARE_EXPRESS, 'none'));
    for (const [v, [, mode, env]] of variants.entries()) times[v]!.push(await once(SERVER, mode, env));
  }
  const baseline = median(bare);
  const row = (label: string, xs: number[]) =>
    `| ${label} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} | ${(median(xs) / baseline).toFixed(2)} |`;
  rows.push(row('baseline: bare express (express.json, /readyz)', bare));
  for (const [v, [label]] of variants.entries()) rows.push(row(label, times[v]!));
  // COLDSTART_SIZE=0 skips the install-size measurement (a minute of npm ci) when only the times are wanted.
  const size = process.env.COLDSTART_SIZE === '0' ? undefined : productionInstallMiB();
  const md = [
    '',
    '## Cold start',
    '',
    `\`npm run bench:coldstart\` — spawn of \`node dist/server/main.js\` until \`/readyz\` answers 200, ${RUNS} runs per auth mode,`,
    'interleaved with a bare express app started the same way (`node bench/servers/bareExpressReady.js`); × baseline is',
    'the ratio of medians.',
    '',
    '| auth mode | median ms | min ms | max ms | × baseline |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    size === undefined ? '' : `Production dependencies (\`npm ci --omit=dev\`): ${size.toFixed(1)} MiB.`,
    '',
  ].join('\n');
  console.log(md);
  if (size === undefined) return;
  appendFileSync(join(ROOT, 'docs', 'benchmarks.md'), md);
}

void main();
