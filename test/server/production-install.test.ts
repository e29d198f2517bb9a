/**
 * What the Dockerfile does, minus docker (no engine here): production dependencies only, the server compiled
 * with tsconfig.server.json, started as the image starts it — and it serves. Also checks the Dockerfile itself
 * agrees with the configuration contract.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_PORT } from '../../server/config/contract';
import { MCP_HEADERS, freePort } from '../helpers/server';
import { ROOT, waitForReady } from '../helpers/process';
import { spawn } from 'node:child_process';

jest.setTimeout(180_000);

test('Dockerfile: Node 24 slim, production deps only, non-root, listens on the contract port', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(froms.every((f) => f!.startsWith('node:24-slim'))).toBe(true);
  expect(dockerfile).toMatch(/node server-manifest\.js package\.json && npm install --omit=dev --ignore-scripts/);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${CONTAINER_PORT}$`, 'm'));
  expect(dockerfile).toMatch(new RegExp(`PORT=${CONTAINER_PORT}`));
  expect(dockerfile).toMatch(/^CMD \["node", "dist\/server\/main.js"\]$/m);
});

test('the server runs from a production-only install', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rms-prod-'));
  try {
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    // As the Dockerfile's deps stage: the server manifest, then production dependencies only.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'server-manifest.js'), join(dir, 'package.json')]);
    execFileSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      stdio: 'pipe',
    });
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.server.json'),
        '--outDir',
        join(dir, 'dist'),
      ],
      {
        stdio: 'pipe',
      },
    );
    const size = execFileSync('du', ['-sm', join(dir, 'node_modules')])
      .toString()
      .split('\t')[0];
    console.log(`production node_modules: ${size} MB`);

    const port = await freePort();
    const child = spawn(process.execPath, [join(dir, 'dist', 'server', 'main.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        MCP_AUTH_MODE: 'none',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await waitForReady(`http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'prod' } },
        }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"text":"prod"');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
