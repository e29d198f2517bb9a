/**
 * `npm start` builds only when needed: an unchanged checkout starts without recompiling; any change to a source,
 * a tsconfig or the lockfile, or a missing build, compiles again; a failed compile leaves it stale.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const { buildServer, isStale } = require(join(ROOT, 'scripts', 'build-server.js')) as {
  buildServer(root: string, compile: (root: string) => number): number;
  isStale(root: string): boolean;
};

let root: string;
let compiles: number;
/** Stands in for tsc: writes the entry point (or fails), and counts how often it ran. */
const compiler =
  (status = 0) =>
  (dir: string) => {
    compiles++;
    if (status === 0) {
      mkdirSync(join(dir, 'dist', 'server'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'server', 'main.js'), '');
    }
    return status;
  };
/** Gives a file an mtime in the past (the stamp is written "now"), so a later edit is clearly newer. */
const age = (file: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, t, t);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'build-server-'));
  compiles = 0;
  mkdirSync(join(root, 'server', 'http'), { recursive: true });
  for (const file of [
    'server/main.ts',
    'server/http/x.ts',
    'tsconfig.json',
    'tsconfig.server.json',
    'package-lock.json',
  ]) {
    writeFileSync(join(root, file), '{}');
    age(join(root, file), 60);
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('first start compiles, the next start does not', () => {
  expect(isStale(root)).toBe(true);
  expect(buildServer(root, compiler())).toBe(0);
  expect(compiles).toBe(1);
  expect(isStale(root)).toBe(false);
  expect(buildServer(root, compiler())).toBe(0);
  expect(compiles).toBe(1);
});

test.each(['server/http/x.ts', 'tsconfig.server.json', 'package-lock.json'])('an edit to %s compiles again', (file) => {
  buildServer(root, compiler());
  writeFileSync(join(root, file), '{"changed":true}');
  utimesSync(join(root, file), new Date(), new Date(Date.now() + 2000));
  expect(isStale(root)).toBe(true);
  buildServer(root, compiler());
  expect(compiles).toBe(2);
});

test('a new source file compiles again', () => {
  buildServer(root, compiler());
  const file = join(root, 'server', 'new.ts');
  writeFileSync(file, '');
  utimesSync(file, new Date(), new Date(Date.now() + 2000));
  expect(isStale(root)).toBe(true);
});

test('a missing entry point compiles again', () => {
  buildServer(root, compiler());
  rmSync(join(root, 'dist', 'server', 'main.js'));
  expect(isStale(root)).toBe(true);
  buildServer(root, compiler());
  expect(compiles).toBe(2);
});

test('a failed compile returns its exit code and stays stale', () => {
  expect(buildServer(root, compiler(2))).toBe(2);
  expect(isStale(root)).toBe(true);
});

test('npm start builds through it (not a bare tsc that recompiles every time)', () => {
  const pkg = require(join(ROOT, 'package.json')) as { scripts: Record<string, string> };
  expect(pkg.scripts.prestart).toMatch(/&& node scripts\/build-server\.js$/);
  expect(pkg.scripts.start).toBe('node dist/server/main.js');
});
