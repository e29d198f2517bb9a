/** Runs the server as a process: configuration from the environment, graceful drain on SIGTERM/SIGINT. */
import { createMcpApp, type CreateMcpAppOptions } from './app';
import { ENV } from './config/contract';
import { ConfigError, loadConfig } from './config/env';
import { exitAfterFlush, exitNow, LOG_FLUSH_BOUND_MS } from './lifecycle/exit';

/** Closing the store, auth and HTTP server after the drain. */
const SHUTDOWN_MARGIN_MS = 2000;

/** Why the server cannot listen, in one line that names the setting to change. */
export function listenFailure(host: string, port: number, err: NodeJS.ErrnoException): string {
  const where = `cannot listen on ${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `${where}: port ${port} is already in use (another server?): stop it, or set ${ENV.port} to a free port (and ${ENV.publicUrl} to match, if you set it)`;
    case 'EACCES':
      return `${where}: permission denied for port ${port}: set ${ENV.port} to a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${where}: ${host} is not an address of this machine: set ${ENV.host} (e.g. 127.0.0.1, or 0.0.0.0 in a container)`;
    default:
      return `${where}: ${err.code ?? err.message}`;
  }
}

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
    process.stderr.write(
      `remote-mcp-stacks: ${listenFailure(config.host, config.port, err as NodeJS.ErrnoException)}\n`,
    );
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
