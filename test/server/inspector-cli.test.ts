/**
 * The MCP Inspector's CLI (a real, independent MCP client), run exactly as the README says: headless, in token mode
 * with a static token header; and what the README warns about: against `npm start`'s dev mode the CLI needs an
 * interactive sign-in (a terminal and a browser), so a headless run stops asking for one.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/server';
import { ROOT, spawnServer, waitForReady } from '../helpers/process';

const run = promisify(execFile);
const inspector = join(ROOT, 'node_modules', '.bin', 'mcp-inspector');
const README_PORT = 'http://127.0.0.1:3000';

jest.setTimeout(120_000);

/** Shell words of one command line: spaces split, double quotes group (all the README's lines need). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The README's headless block: the `npm start` line's environment, and each Inspector CLI command's arguments. */
function readmeHeadless(): { env: Record<string, string>; commands: string[][] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes('@modelcontextprotocol/inspector --cli') && b.includes('--header'));
  if (!block) throw new Error('the README has no Inspector CLI block with --header');
  const lines = block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter(Boolean);
  const start = words(lines.find((l) => l.endsWith('npm start'))!);
  const env = Object.fromEntries(start.slice(0, -2).map((pair) => pair.split('=') as [string, string]));
  const commands = lines
    .filter((l) => l.startsWith('npx @modelcontextprotocol/inspector --cli'))
    .map((l) => words(l).slice(2));
  return { env, commands };
}

test('README: token mode + Authorization header, tools/list and tools/call', async () => {
  const { env, commands } = readmeHeadless();
  expect(env.MCP_AUTH_MODE).toBe('token');
  expect(commands).toHaveLength(2);
  const port = await freePort();
  const proc = spawnServer({ ...env, PORT: String(port) });
  try {
    await waitForReady(`http://127.0.0.1:${port}`);
    const [list, call] = await Promise.all(
      commands.map((args) =>
        run(
          inspector,
          args.map((a) => a.replace(README_PORT, `http://127.0.0.1:${port}`)),
          { cwd: ROOT },
        ),
      ),
    );
    expect(
      JSON.parse(list!.stdout)
        .tools.map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual(['confirm', 'countdown', 'echo', 'whoami']);
    expect(JSON.parse(call!.stdout).content).toEqual([{ type: 'text', text: 'hello' }]);
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
});

test("README's warning holds: in dev mode (npm start's default) a headless CLI run cannot sign in", async () => {
  const port = await freePort();
  const proc = spawnServer({ PORT: String(port) });
  try {
    await waitForReady(`http://127.0.0.1:${port}`);
    const failed = await run(
      inspector,
      ['--cli', `http://127.0.0.1:${port}/mcp`, '--transport', 'http', '--method', 'tools/list'],
      { cwd: ROOT },
    ).then(
      () => undefined,
      (err: { stdout: string; stderr: string }) => err.stdout + err.stderr,
    );
    expect(failed).toMatch(/"code":"auth_required"/);
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
});
