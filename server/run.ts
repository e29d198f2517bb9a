/** Runs the server as a process: configuration from the environment, graceful drain on SIGTERM/SIGINT. */
import { createMcpApp, type CreateMcpAppOptions } from './app';
import { ConfigError, loadConfig } from './config/env';
import { exitAfterFlush, exitNow, LOG_FLUSH_BOUND_MS } from './lifecycle/exit';

/** Closing the store, auth and HTTP server after the drain. */
const SHUTDOWN_MARGIN_MS = 2000;

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
  // Bounds a shutdown whatever it waits on (a close that hangs, a blocked stdout): past the drain and the log
  // flush, plus a margin for closing connections, the process ends with code 1.
  const hardDeadlineMs = config.drainSeconds * 1000 + LOG_FLUSH_BOUND_MS + SHUTDOWN_MARGIN_MS;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      // No log line: stdout may be what holds the shutdown up.
      return exitNow(1);
    }
    logger.info({ signal }, 'shutting down');
    setTimeout(() => exitNow(1), hardDeadlineMs).unref();
    void mcp.shutdown().then(
      () => exitAfterFlush(logger, 0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        exitAfterFlush(logger, 1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
