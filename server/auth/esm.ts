/**
 * Loads the ESM-only packages the auth layer uses (`jose`, `oidc-provider`) from this CommonJS build.
 *
 * Node ≥ 22.12 `require`s ES modules natively, so in a normal process this is a plain `require`. Test runners
 * that sandbox `require` with their own module system (Jest without `--experimental-vm-modules`) refuse ES
 * modules; there the package is loaded with Node's own loader instead, outside the sandbox. Only plain data
 * (strings, JSON objects, Node's own request objects) crosses that boundary, so both paths behave the same.
 *
 * The packages are loaded lazily, when a mode that needs them starts, so `MCP_AUTH_MODE=none|token` never loads them.
 *
 * When loaded outside a sandbox, objects handed to the package must be plain objects *of the host realm*
 * (`oidc-provider` tests `value.constructor === Object`): `toHostRealm` converts them. In a normal process both
 * realms are the same and it returns its argument unchanged.
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

/** `oidc-provider` has no bundled types; the few members used are typed in `authorizationServer/oidcProvider.ts`. */
export function loadOidcProvider<T>(): T {
  return loadEsm<T>('oidc-provider');
}

interface HostGlobals {
  Object: ObjectConstructor;
  Array: ArrayConstructor;
}

let hostGlobals: HostGlobals | null | undefined;

/** The host realm's constructors, or null when this code runs in the host realm itself (the normal case). */
function hostRealm(): HostGlobals | null {
  if (hostGlobals === undefined) {
    const HostObject = runInThisContext('Object') as ObjectConstructor;
    hostGlobals =
      HostObject === Object ? null : { Object: HostObject, Array: runInThisContext('Array') as ArrayConstructor };
  }
  return hostGlobals;
}

const isClass = (fn: unknown) => typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));

/**
 * Deep copy of `value` whose plain objects and arrays belong to the host realm; functions are wrapped so that
 * what they return (or resolve to) is converted too. Other objects (keys, buffers, class instances) are kept.
 */
export function toHostRealm<T>(value: T): T {
  const host = hostRealm();
  if (!host) return value;
  const seen = new Map<unknown, unknown>();
  const convert = (v: unknown): unknown => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    if (seen.has(v)) return seen.get(v);
    if (typeof v === 'function') {
      if (isClass(v)) return v;
      const fn = v as (...args: unknown[]) => unknown;
      const wrapped = function (this: unknown, ...args: unknown[]) {
        const result = fn.apply(this, args);
        return result instanceof Promise || (result && typeof (result as Promise<unknown>).then === 'function')
          ? (result as Promise<unknown>).then(convert)
          : convert(result);
      };
      seen.set(v, wrapped);
      return wrapped;
    }
    if (Array.isArray(v)) {
      const out = new host.Array();
      seen.set(v, out);
      for (const item of v) out.push(convert(item));
      return out;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return v;
    const out = new host.Object() as Record<string, unknown>;
    seen.set(v, out);
    for (const [k, item] of Object.entries(v)) out[k] = convert(item);
    return out;
  };
  return convert(value) as T;
}
