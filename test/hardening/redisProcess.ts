/**
 * A real redis-server for the hardening tests, with what the shared helper does not offer: a port chosen before
 * the server starts (so an instance can start while the store is down), a password, and a stall (SIGSTOP/SIGCONT).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from '../../stack/ports';

export interface RedisProcess {
  port: number;
  /** `redis://[:password@]127.0.0.1:port` */
  url(password?: string): string;
  start(): Promise<void>;
  /** Freezes the server: connections stay open, nothing is answered (a stall). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function redisProcess(options: { password?: string } = {}): Promise<RedisProcess> {
  if (spawnSync('redis-server', ['--version']).error)
    throw new Error('redis-server not found: install it (apt-get install -y redis-server)');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    port,
    url: (password) => `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
      if (options.password !== undefined) args.push('--requirepass', options.password);
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitForPort(port, 5000);
    },
    pause: () => void (running() && child!.kill('SIGSTOP')),
    resume: () => void (running() && child!.kill('SIGCONT')),
    async stop() {
      if (!running()) return;
      const c = child!;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `check` until it holds; fails (never returns quietly) after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
