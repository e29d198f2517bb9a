/** A real redis-server on 127.0.0.1 for a test (Debian's `redis-server`; `.ci/run` installs it). */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from '../../stack/ports';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as abrupt as an outage). */
  stop(): Promise<void>;
  /** Starts it again on the same port (no data kept). */
  restart(): Promise<void>;
}

const BINARY = 'redis-server';

export async function startRedis(): Promise<RedisServer> {
  if (spawnSync(BINARY, ['--version']).error) {
    throw new Error(`${BINARY} not found: install it (apt-get install -y redis-server); .ci/run does`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port, 5000);
  };
  await start();
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  return { url: `redis://127.0.0.1:${port}`, port, stop, restart: start };
}

/**
 * A real three-master Redis Cluster (the protocol ElastiCache Serverless speaks): `url` names one node, as the
 * service's endpoint does; keys are spread over the nodes by hash slot.
 */
export async function startRedisCluster(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children = ports.map((port) =>
    spawn(
      BINARY,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    ),
  );
  await Promise.all(ports.map((p) => waitForPort(p, 5000)));
  const cli = (...args: string[]) => promisify(execFile)('redis-cli', args);
  await cli('--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes');
  const end = Date.now() + 10_000;
  while (!(await cli('-p', String(ports[0]), 'cluster', 'info')).stdout.includes('cluster_state:ok')) {
    if (Date.now() > end) throw new Error('the Redis Cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    port: ports[0]!,
    async stop() {
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null || c.signalCode !== null
            ? undefined
            : new Promise((r) => (c.once('exit', r), c.kill('SIGKILL'))),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
    restart: () => Promise.reject(new Error('restart is not supported for the cluster')),
  };
}
