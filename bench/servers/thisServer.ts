/** This repository's server, configured from the environment, signalling readiness to the bench runner. */
import { createMcpApp } from '../../server/app';
import { loadConfig } from '../../server/config/env';
import { createLogger } from '../../server/logging/logger';

async function main() {
  const config = loadConfig();
  const mcp = await createMcpApp({ config, logger: createLogger({ level: config.logLevel, pretty: false }) });
  await mcp.listen();
  process.send?.('ready');
  process.on('SIGTERM', () => void mcp.shutdown().then(() => process.exit(0)));
}
void main();
