/**
 * The server's runtime stack is an optional peer of the package (infrastructure-only consumers skip it). Importing
 * `remote-mcp-stacks/server` without it stops with one line naming what to install, not "Cannot find module".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `serverDependencies` of the package's own package.json (found from sources, dist/ and the image). */
function serverDependencies(): string[] {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; serverDependencies?: string[] };
      if (pkg.name === 'remote-mcp-stacks') return pkg.serverDependencies ?? [];
    }
    dir = dirname(dir);
  }
  return [];
}

/** Those of the server's dependencies that cannot be found from here. */
export function missingServerDependencies(): string[] {
  const lookIn = require.resolve.paths('express') ?? [];
  return serverDependencies().filter((name) => !lookIn.some((dir) => existsSync(join(dir, name, 'package.json'))));
}

export function assertServerDependencies(): void {
  const missing = missingServerDependencies();
  if (missing.length > 0) {
    throw new Error(
      `remote-mcp-stacks/server needs the server's runtime dependencies (optional peers, so infrastructure-only projects skip them): npm install ${missing.join(' ')}`,
    );
  }
}
