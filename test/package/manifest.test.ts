/**
 * The manifest's split between the server's runtime stack and the infrastructure entry points stays true: every
 * package the server imports is in `serverDependencies`, each of those is an optional peer (so infra-only
 * consumers skip it) and a devDependency (so a checkout has it) with one version range, and nothing is a plain
 * dependency. `scripts/server-manifest.js` turns exactly that list into the image's dependencies.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const { serverManifest } = require(join(ROOT, 'scripts', 'server-manifest.js')) as { serverManifest(p: unknown): any };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** Bare package names the server's sources import or require (types-only imports included: they must resolve too). */
function serverImports(): string[] {
  const names = new Set<string>();
  for (const file of sources(join(ROOT, 'server'))) {
    // Code lines only (doc comments show consumer imports); ESM-only packages load through `loadEsm('…')`.
    const code = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
      .join('\n');
    for (const m of code.matchAll(/(?:from\s+|require\(|import\(|loadEsm<[^>]*>\()\s*'([^'.][^']*)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return [...names].sort();
}

test('every package the server imports is a server dependency, and nothing else is', () => {
  expect(serverImports()).toEqual([...pkg.serverDependencies].sort());
});

test('server dependencies: optional peers and devDependencies with one range; no plain dependencies', () => {
  expect(pkg.dependencies).toBeUndefined();
  for (const name of pkg.serverDependencies as string[]) {
    expect({ name, peer: pkg.peerDependencies[name], optional: pkg.peerDependenciesMeta[name]?.optional }).toEqual({
      name,
      peer: pkg.devDependencies[name],
      optional: true,
    });
  }
});

test("the image's manifest makes exactly them the dependencies", () => {
  const image = serverManifest(pkg);
  expect(Object.keys(image.dependencies).sort()).toEqual([...pkg.serverDependencies].sort());
  for (const name of pkg.serverDependencies as string[]) {
    expect(image.dependencies[name]).toBe(pkg.peerDependencies[name]);
    expect(image.devDependencies[name]).toBeUndefined();
    expect(image.peerDependencies[name]).toBeUndefined();
  }
  // The infrastructure peers stay peers.
  expect(image.peerDependencies['aws-cdk-lib']).toBe(pkg.peerDependencies['aws-cdk-lib']);
});
