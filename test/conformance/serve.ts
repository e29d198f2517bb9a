/**
 * Serves the conformance fixture for manual runs of the CLI, e.g. one scenario at a time:
 *
 *   npx ts-node test/conformance/serve.ts stateful      # prints the URL
 *   npx conformance server --url http://127.0.0.1:<port>/mcp --scenario tools-call-sampling --verbose
 *
 * Ctrl-C stops it.
 */
import { SESSION_MODES, type SessionMode } from '../../server/config/contract';
import { startTestServer } from '../helpers/server';
import { conformanceCapabilities } from './fixture';

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'stateful') as SessionMode;
  if (!SESSION_MODES.includes(mode)) throw new Error(`usage: serve.ts [${SESSION_MODES.join('|')}]`);
  const server = await startTestServer({ MCP_SESSION_MODE: mode }, conformanceCapabilities());
  const baseline = mode === 'stateless' ? ' --expected-failures test/conformance/expected-failures.stateless.yml' : '';
  console.log(`conformance fixture (${mode}) at ${server.mcpUrl.href}`);
  console.log(`run: npx conformance server --url ${server.mcpUrl.href}${baseline}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
