/**
 * Ctrl-C on `npm run stack:local`: the terminal signals the whole process group. The stack stops its instances
 * first and Redis last, so no instance loses its session store while it drains ("session store unreachable").
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../stack/ports';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');

test('Ctrl-C (SIGINT to the process group) stops instances before Redis: no store warnings, exit 0', async () => {
  const port = await freePort();
  // Its own process group, like a shell job: the test can signal the group as a terminal does.
  const runner = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'stack', 'run.ts'),
      '--instances',
      '1',
      '--port',
      String(port),
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  runner.stdout!.on('data', (d) => (out += d));
  runner.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
  try {
    const end = Date.now() + 90_000;
    while (!out.includes('Local stack ready') && runner.exitCode === null && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('Local stack ready');
    process.kill(-runner.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    // Each server process (the instance, the authorization server) drained once, on one signal.
    expect(out.match(/"message":"drained"/g)).toHaveLength(2);
    expect(out).not.toMatch(/store unreachable/);
    expect(out).not.toMatch(/second signal/);
    // Redis heard only the stack's SIGTERM (not the terminal's SIGINT), after every server process had drained.
    expect(out).toMatch(/Received SIGTERM scheduling shutdown/);
    expect(out).not.toMatch(/Received SIGINT/);
    expect(out.lastIndexOf('"message":"drained"')).toBeLessThan(out.indexOf('Redis is now ready to exit'));
  } finally {
    if (runner.exitCode === null) process.kill(-runner.pid!, 'SIGKILL');
  }
});
