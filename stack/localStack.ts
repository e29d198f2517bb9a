/**
 * A production-like stack on 127.0.0.1: nginx (TLS, round-robin, short idle timeout) in front of several
 * stateful MCP server instances sharing Redis, and the embedded development authorization server on the same
 * origin. `npm run stack:local` runs it for people; the end-to-end tests drive it with real clients.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, PATHS } from '../server/config/contract';
import { HOSTS, type HostName } from '../infra/shared/hosts';
import { selfSignedCertificate } from './certificate';
import { nginxConfig } from './nginxConfig';
import { freePort, waitForPort } from './ports';
import { startRequestCapProxy, type RequestCapProxy } from './requestCap';

const ROOT = join(__dirname, '..');

/** Debian's packages (`apt-get install -y nginx redis-server openssl`); nginx lives in /usr/sbin, often off PATH. */
const BINARIES = {
  nginx: existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx',
  redis: 'redis-server',
  openssl: 'openssl',
};

function checkBinaries(): void {
  const missing = Object.values(BINARIES).filter((bin) => spawnSync(bin, ['-v']).error);
  if (missing.length > 0) {
    throw new Error(`the local stack needs ${missing.join(', ')}: apt-get install -y nginx redis-server openssl`);
  }
}

export interface LocalStackOptions {
  /** @default 3 */
  instances?: number;
  /** Port nginx listens on (TLS). @default a free port */
  port?: number;
  /**
   * Mimic a platform host's proxy (infra/shared/hosts.ts): its idle timeout and its request cap, unless
   * `idleTimeoutSeconds` / `requestCapSeconds` say otherwise (tests scale them down).
   */
  hostProfile?: HostName;
  /** The load balancer's idle timeout in seconds. @default the host profile's, else 10 */
  idleTimeoutSeconds?: number;
  /** Cut every request (streams included) still open after this many seconds. @default the host profile's, else none */
  requestCapSeconds?: number;
  /** `MCP_KEEPALIVE_SECONDS` of the instances; must be shorter than the idle timeout. @default 3 */
  keepAliveSeconds?: number;
  /** `MCP_DRAIN_SECONDS` of the instances. @default 20 */
  drainSeconds?: number;
  /** Extra environment for the instances. */
  env?: Record<string, string>;
  /** Where logs go: the process's own output, or kept in memory. @default 'memory' */
  output?: 'inherit' | 'memory';
}

export interface StackProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
}

export interface Instance extends StackProcess {
  /** The id the instance announced (it prefixes its stream ids). */
  instanceId(): string | undefined;
}

export interface LocalStack {
  /** The MCP URL clients add: `https://127.0.0.1:<port>/mcp`. */
  url: URL;
  /** The self-signed certificate clients must trust (PEM), and its file (for `NODE_EXTRA_CA_CERTS`). */
  certificatePem: string;
  certificateFile: string;
  redisUrl: string;
  instances: Instance[];
  /** nginx's access log: one line per request (`method uri status upstream upstream_status seconds last-event-id`, `-` if none). */
  accessLog(): string[];
  /** The host profile mimicked, with the limits in force (seconds). */
  limits: { hostProfile?: HostName; idleTimeoutSeconds: number; requestCapSeconds?: number };
  /** Requests the request cap has cut so far. */
  requestsCut(): number;
  /**
   * Mimics another host's proxy from now on (nginx reloads; streams already open keep the old limits). Needs a
   * stack started with a `hostProfile` or a `requestCapSeconds` (its instances are reached through cap proxies).
   */
  mimic(hostProfile: HostName, limits?: { idleTimeoutSeconds?: number; requestCapSeconds?: number }): Promise<void>;
  /** Starts instance `i` again on its port (after it stopped). */
  restartInstance(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  checkBinaries();
  const count = options.instances ?? 3;
  const profile = options.hostProfile !== undefined ? HOSTS[options.hostProfile] : undefined;
  const idle = options.idleTimeoutSeconds ?? profile?.idleTimeoutSeconds ?? 10;
  const cap = options.requestCapSeconds ?? profile?.requestCapSeconds;
  if (cap !== undefined && !(cap > 0)) throw new Error(`requestCapSeconds must be positive, got ${cap}`);
  const keepAlive = options.keepAliveSeconds ?? 3;
  if (keepAlive >= idle)
    throw new Error(
      `keepAliveSeconds (${keepAlive}) must be shorter than idleTimeoutSeconds (${idle}), or every quiet stream is cut`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'mcp-stack-'));
  const memory = (options.output ?? 'memory') === 'memory';
  const processes: StackProcess[] = [];
  const capProxies: RequestCapProxy[] = [];
  // Redis goes last: instances still draining need the store (stopping it first logs "session store unreachable").
  const stopAll = async () => {
    await Promise.all([
      ...processes.filter((p) => p.name !== 'redis').map((p) => stopProcess(p.child)),
      ...capProxies.map((c) => c.close()),
    ]);
    await Promise.all(processes.filter((p) => p.name === 'redis').map((p) => stopProcess(p.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certificate = selfSignedCertificate(dir);
    const port = options.port ?? (await freePort());
    const url = new URL(`https://127.0.0.1:${port}${PATHS.mcp}`);
    const issuer = `${url.origin}/oauth`;

    const redisPort = await freePort();
    const redis = launch(
      'redis',
      redisPort,
      BINARIES.redis,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
      memory,
    );
    processes.push(redis);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;

    // The authorization server: the server's own development one, alone in its process, on the stack's origin.
    const asPort = await freePort();
    const as = launchServer(
      'authorization-server',
      asPort,
      {
        [ENV.authMode]: 'dev',
        [ENV.publicUrl]: url.href,
        [ENV.trustProxy]: 'loopback',
      },
      memory,
    );
    processes.push(as);
    // The instances fetch its signing keys at start-up: it comes first.
    await waitForReady(as);

    const common = {
      [ENV.sessionMode]: 'stateful',
      [ENV.redisUrl]: redisUrl,
      [ENV.publicUrl]: url.href,
      [ENV.trustProxy]: 'loopback',
      [ENV.authMode]: 'oauth',
      [ENV.oauthIssuer]: issuer,
      // Keys straight from the authorization server's process (loopback), not through the proxy.
      [ENV.oauthJwksUri]: `http://127.0.0.1:${asPort}/oauth/jwks`,
      [ENV.keepAliveSeconds]: String(keepAlive),
      [ENV.drainSeconds]: String(options.drainSeconds ?? 20),
      // One key set for every instance of this stack: loopback alone would give each instance its own in memory, and
      // a 2026-07-28 retry that the proxy sends to another instance would then fail to verify its requestState.
      [ENV.requestStateKeys]: randomBytes(48).toString('base64url'),
      NODE_EXTRA_CA_CERTS: certificate.certFile,
      ...options.env,
    };
    const instancePorts = await Promise.all(Array.from({ length: count }, () => freePort()));
    const instances: Instance[] = instancePorts.map((p, i) =>
      asInstance(launchServer(`instance-${i + 1}`, p, common, memory)),
    );
    processes.push(...instances);

    // Mimicking a host (or capping requests), nginx reaches each instance through its cap proxy.
    const capped = cap !== undefined || options.hostProfile !== undefined;
    if (capped) capProxies.push(...(await Promise.all(instancePorts.map((p) => startRequestCapProxy(p, cap)))));
    const upstreamPorts = capped ? capProxies.map((c) => c.port) : instancePorts;
    const configFor = (limits: LocalStack['limits']) =>
      nginxConfig({
        dir,
        listenPort: port,
        certFile: certificate.certFile,
        keyFile: certificate.keyFile,
        instancePorts: upstreamPorts,
        authorizationServerPort: asPort,
        ...limits,
      });

    for (const sub of ['tmp-body', 'tmp-proxy', 'tmp-fastcgi', 'tmp-uwsgi', 'tmp-scgi']) mkdirSync(join(dir, sub));
    const confFile = join(dir, 'nginx.conf');
    let limits: LocalStack['limits'] = {
      hostProfile: options.hostProfile,
      idleTimeoutSeconds: idle,
      requestCapSeconds: cap,
    };
    writeFileSync(confFile, configFor(limits));
    processes.push(
      launch('nginx', port, BINARIES.nginx, ['-c', confFile, '-p', dir, '-e', join(dir, 'error.log')], {}, memory),
    );

    await Promise.all(
      processes.map((p) =>
        p.name === 'redis' || p.name === 'nginx'
          ? waitForPort(p.port, 15_000, () => exited(p))
          : p === as
            ? undefined
            : waitForReady(p),
      ),
    );

    return {
      url,
      certificatePem: certificate.pem,
      certificateFile: certificate.certFile,
      redisUrl,
      instances,
      get limits() {
        return limits;
      },
      requestsCut: () => capProxies.reduce((n, c) => n + c.cuts(), 0),
      async mimic(hostProfile, given = {}) {
        if (!capped) throw new Error('mimic needs a stack started with a hostProfile or a requestCapSeconds');
        const facts = HOSTS[hostProfile];
        const next = {
          hostProfile,
          idleTimeoutSeconds: given.idleTimeoutSeconds ?? facts.idleTimeoutSeconds,
          requestCapSeconds: given.requestCapSeconds ?? facts.requestCapSeconds,
        };
        if (next.requestCapSeconds !== undefined && !(next.requestCapSeconds > 0))
          throw new Error(`requestCapSeconds must be positive, got ${next.requestCapSeconds}`);
        if (keepAlive >= next.idleTimeoutSeconds)
          throw new Error(
            `keepAliveSeconds (${keepAlive}) must be shorter than idleTimeoutSeconds (${next.idleTimeoutSeconds})`,
          );
        for (const c of capProxies) c.setCap(next.requestCapSeconds);
        writeFileSync(confFile, configFor(next));
        await reloadNginx(processes.find((p) => p.name === 'nginx')!.child);
        limits = next;
      },
      accessLog: () => {
        try {
          return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
        } catch {
          return [];
        }
      },
      async restartInstance(i) {
        const old = instances[i]!;
        await stopProcess(old.child);
        const fresh = asInstance(launchServer(old.name, old.port, common, memory));
        instances[i] = fresh;
        processes[processes.indexOf(old)] = fresh;
        await waitForReady(fresh);
      },
      stop: stopAll,
    };
  } catch (err) {
    const logs = processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n');
    await stopAll();
    throw new Error(`the local stack did not start: ${(err as Error).message}\n${logs}`);
  }
}

function launchServer(name: string, port: number, env: Record<string, string>, memory: boolean): StackProcess {
  return launch(
    name,
    port,
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'server', 'main.ts')],
    {
      [ENV.host]: '127.0.0.1',
      [ENV.port]: String(port),
      ...env,
    },
    memory,
  );
}

/** Children of a stack run in a terminal, killed if this process exits without stopping them (see `launch`). */
const detachedChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of detachedChildren) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function launch(
  name: string,
  port: number,
  command: string,
  args: string[],
  env: Record<string, string>,
  memory: boolean,
): StackProcess {
  // In a terminal, Ctrl-C signals the whole foreground process group at once: Redis would stop while the instances
  // drain. Their own process group leaves the order to `stop()` (instances first, then Redis).
  const detached = !memory;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: memory ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    detached,
  });
  if (detached) {
    detachedChildren.add(child);
    child.once('exit', () => detachedChildren.delete(child));
  }
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  child.once('error', (err) => (out += `\n${err.message}`));
  return { name, port, child, output: () => out };
}

/** The pids of a process's children (Linux). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** nginx re-reads its configuration on SIGHUP and starts new workers with it: done when a new worker is up. */
async function reloadNginx(master: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const old = new Set(childPids(master.pid!));
  master.kill('SIGHUP');
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (childPids(master.pid!).some((pid) => !old.has(pid))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not reload within ${timeoutMs} ms`);
}

function asInstance(p: StackProcess): Instance {
  return {
    ...p,
    instanceId: () => /"instance":"([0-9a-f]+)"/.exec(p.output())?.[1],
  };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function exited(p: StackProcess): string | undefined {
  return p.child.exitCode !== null ? `${p.name} exited with ${p.child.exitCode}` : undefined;
}

/** Generous: three instances compile the server with ts-node at once, which takes most of a minute on a busy 2-core machine. */
const READY_TIMEOUT_MS = 90_000;

async function waitForReady(p: StackProcess, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${p.port}${PATHS.readyz}`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p.name} not ready after ${timeoutMs} ms`);
}
