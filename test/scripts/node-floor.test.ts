/**
 * The Node floor: `engines.node` is the real floor (22.19: `tls.getCACertificates`, the Inspector), and `npm start` /
 * `npm test` on an older Node stop at once with one line saying what is needed and how to get it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CHECK = join(ROOT, 'scripts', 'check-node.js');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const { isOlder, parseFloor } = require(CHECK) as {
  isOlder(v: string, f: number[]): boolean;
  parseFloor(r: string): number[];
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'node-floor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the check with this Node, pretending to be `version` (a preloaded module overrides `process.versions.node`). */
function checkAs(version: string) {
  const preload = join(dir, `as-${version}.js`);
  writeFileSync(preload, `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });\n`);
  return spawnSync(process.execPath, ['-r', preload, CHECK], { encoding: 'utf8' });
}

test('engines, .nvmrc and the README name the real floor', () => {
  expect(pkg.engines.node).toBe('>=22.19');
  expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()).toBe('24');
  expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('Node.js 22.19 or newer');
  // The floor is real: this Node has what the broker and end-to-end suites need.
  expect(typeof (require('node:tls') as { getCACertificates?: unknown }).getCACertificates).toBe('function');
});

test('npm start and npm test run the check first', () => {
  expect(pkg.scripts.prestart).toMatch(/^node scripts\/check-node\.js && /);
  expect(pkg.scripts.pretest).toMatch(/^node scripts\/check-node\.js && /);
});

test('on 22.12 the check stops with one line naming the floor and how to get it', () => {
  const run = checkAs('22.12.0');
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toBe(
    'remote-mcp-stacks needs Node.js >=22.19 (this is 22.12.0): install Node 24 LTS, e.g. `nvm install` (reads .nvmrc) or https://nodejs.org/en/download',
  );
});

test('on the floor and above the check is silent', () => {
  for (const version of ['22.19.0', '23.0.0', '24.1.0']) {
    const run = checkAs(version);
    expect({ version, status: run.status, out: run.stdout + run.stderr }).toEqual({ version, status: 0, out: '' });
  }
});

test('version comparison', () => {
  const floor = parseFloor('>=22.19');
  expect(floor).toEqual([22, 19, 0]);
  expect(isOlder('22.18.9', floor)).toBe(true);
  expect(isOlder('21.99.0', floor)).toBe(true);
  expect(isOlder('v22.19.0', floor)).toBe(false);
  expect(isOlder('22.20.0', floor)).toBe(false);
  expect(() => parseFloor('^22')).toThrow(/engines.node must be of the form/);
});

/** A Node older than the floor installed on this machine (Debian's, for one), with the npm next to it. */
function oldNode(): { node: string; version: string } | undefined {
  const found = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const node of [...found, '/usr/bin/node']) {
    try {
      const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (isOlder(version, parseFloor(pkg.engines.node))) return { node, version };
    } catch {
      /* not there */
    }
  }
  return undefined;
}

const old = oldNode();
(old ? describe : describe.skip)(`under this machine's old Node (${old?.version ?? 'none found'})`, () => {
  for (const script of ['start', 'test']) {
    test(`npm ${script} stops at once with the one line`, () => {
      const bin = dirname(old!.node);
      const run = spawnSync('npm', [script], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/tmp' },
        timeout: 60_000,
      });
      expect(run.status).not.toBe(0);
      const errors = run.stderr.split('\n').filter(Boolean);
      expect(errors[0]).toBe(
        `remote-mcp-stacks needs Node.js >=22.19 (this is ${old!.version}): install Node 24 LTS, e.g. \`nvm install\` (reads .nvmrc) or https://nodejs.org/en/download`,
      );
      // Nothing else ran: no compiler, no jest, no stack trace.
      expect(run.stdout + run.stderr).not.toMatch(/tsc|jest|PASS|FAIL|\n\s+at /);
    });
  }
});
