/** The MCP Inspector's CLI (a real, independent MCP client) lists and calls tools on `npm start`'s server. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/server';
import { ROOT, spawnServer, waitForReady } from '../helpers/process';

const run = promisify(execFile);
const inspector = join(ROOT, 'node_modules', '.bin', 'mcp-inspector');

jest.setTimeout(90_000);

test('Inspector CLI: tools/list and tools/call over Streamable HTTP', async () => {
  const port = await freePort();
  const proc = spawnServer({ PORT: String(port), MCP_AUTH_MODE: 'none' });
  try {
    await waitForReady(`http://127.0.0.1:${port}`);
    const url = `http://127.0.0.1:${port}/mcp`;
    const list = await run(inspector, ['--cli', url, '--transport', 'http', '--method', 'tools/list'], { cwd: ROOT });
    const tools = JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name);
    expect(tools.sort()).toEqual(['confirm', 'countdown', 'echo', 'whoami']);
    const call = await run(
      inspector,
      ['--cli', url, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=from the inspector'],
      { cwd: ROOT },
    );
    expect(JSON.parse(call.stdout).content).toEqual([{ type: 'text', text: 'from the inspector' }]);
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
});
