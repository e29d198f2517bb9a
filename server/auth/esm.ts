/**
 * Loads the ESM-only packages the auth layer uses (`jose`, `oidc-provider`) from this CommonJS build.
 *
 * Node ≥ 22.12 `require`s ES modules natively, so in a normal process this is a plain `require`. Test runners
 * that sandbox `require` with their own module system (Jest without `--experimental-vm-modules`) refuse ES
 * modules; there the package is loaded with Node's own loader instead, outside the sandbox. Only plain data
 * (strings, JSON objects, Node's own request objects) crosses that boundary, so both paths behave the same.
 *
 * The packages are loaded lazily, when a mode that needs them starts, so `MCP_AUTH_MODE=none|token` never loads them.
 */
import { runInThisContext } from 'node:vm';
import type * as JoseModule from 'jose';

export type Jose = typeof JoseModule;

const cache = new Map<string, unknown>();

function loadEsm<T>(specifier: string): T {
  if (cache.has(specifier)) return cache.get(specifier) as T;
  let loaded: T;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(specifier) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code !== 'ERR_REQUIRE_ESM') throw err;
    // The host process (not a sandboxed copy) gives access to Node's real module loader.
    const hostProcess = runInThisContext('process') as NodeJS.Process;
    const nodeRequire = hostProcess.getBuiltinModule('node:module').createRequire(__filename);
    loaded = nodeRequire(specifier) as T;
  }
  cache.set(specifier, loaded);
  return loaded;
}

export function loadJose(): Jose {
  return loadEsm<Jose>('jose');
}

/** `oidc-provider` has no bundled types; the few members used are typed in `devAuthorizationServer.ts`. */
export function loadOidcProvider<T>(): T {
  return loadEsm<T>('oidc-provider');
}
