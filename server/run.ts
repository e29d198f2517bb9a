/** Runs the server as a process: configuration from the environment, graceful drain on SIGTERM/SIGINT. */
import { createMcpApp, type CreateMcpAppOptions } from './app';
import { ConfigError, loadConfig } from './config/env';

export async function runServer(options: Omit<CreateMcpAppOptions, 'config'> = {}): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      // One clear line, no stack trace.
      process.stderr.write(`remote-mcp-stacks: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let mcp;
  try {
    mcp = await createMcpApp({ ...options, config });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`remote-mcp-stacks: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { logger } = mcp;
  try {
    const { url } = await mcp.listen();
    logger.info(
      { url, mcpUrl: config.publicUrl.href, sessionMode: config.sessionMode, authMode: config.auth.mode },
      `MCP server listening on ${url}; clients connect to ${config.publicUrl.href}`,
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`remote-mcp-stacks: cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void mcp.shutdown().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
