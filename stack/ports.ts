/** Ports on 127.0.0.1: a free one to listen on, and waiting until something listens (the stack and the tests). */
import { connect, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to 127.0.0.1:port succeeds; `alive` may abort the wait (a process that died). */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  alive: () => string | undefined = () => undefined,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const dead = alive();
    if (dead) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}
