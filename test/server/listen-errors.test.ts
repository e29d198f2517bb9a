/** A port already taken stops the process with one line that points at PORT, not a bare error code. */
import { createServer, type Server } from 'node:net';
import { listenFailure } from '../../server/run';
import { freePort } from '../helpers/server';
import { spawnServer } from '../helpers/process';

let blocker: Server;
let port: number;
beforeAll(async () => {
  port = await freePort();
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

test('npm start on a port in use: exits non-zero with one line naming PORT', async () => {
  const proc = spawnServer({ PORT: String(port), MCP_AUTH_MODE: 'none' });
  expect(await proc.exited).toBe(1);
  const stderrLines = proc
    .output()
    .split('\n')
    .filter((line) => line.startsWith('remote-mcp-stacks:'));
  expect(stderrLines).toEqual([
    `remote-mcp-stacks: cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another server?): stop it, or set PORT to a free port (and MCP_PUBLIC_URL to match, if you set it)`,
  ]);
  expect(proc.output()).not.toMatch(/\n\s+at /);
});

test('other listen failures name the setting too', () => {
  expect(listenFailure('127.0.0.1', 80, Object.assign(new Error('x'), { code: 'EACCES' }))).toMatch(
    /set PORT to a port above 1023$/,
  );
  expect(listenFailure('10.9.9.9', 3000, Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }))).toMatch(
    /10\.9\.9\.9 is not an address of this machine: set HOST/,
  );
});
