/**
 * docs/architecture.md's Layout names every folder a newcomer meets: the top-level ones, each of `server/`,
 * `server/auth/` and `infra/`. A folder added or renamed without its line fails here, so the map cannot drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
const layout = /## Layout\n\n```\n([\s\S]*?)\n```/.exec(doc)?.[1] ?? '';

/** The folders under `dir` (relative to the root), without hidden ones. */
const folders = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);

/** Each line's first word: `server/`, `auth/`, `resourceServer/`, `infra/shared/`… */
const named = new Set(layout.split('\n').map((line) => line.trim().split(/\s+/)[0]));

test('the Layout block exists', () => {
  expect(layout.split('\n').length).toBeGreaterThan(10);
});

test.each([
  ['the repository', ['bench', 'docs', 'scripts', 'server', 'stack', 'test'].map((f) => `${f}/`)],
  ['infra/', folders('infra').map((f) => `infra/${f}/`)],
  ['server/', folders('server').map((f) => `${f}/`)],
  ['server/auth/', folders('server/auth').map((f) => `${f}/`)],
])('names every folder of %s', (_where, expected) => {
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.filter((f) => !named.has(f))).toEqual([]);
});
