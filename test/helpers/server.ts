/** Starts the real app on 127.0.0.1 for a test, on a free port so MCP_PUBLIC_URL matches where it listens. */
import { Writable } from 'node:stream';
import { createMcpApp, type McpApp } from '../../server/app';
import type { CapabilitySet } from '../../server/capabilities/types';
import { loadConfig } from '../../server/config/env';
import type { LogLevel } from '../../server/config/contract';
import { createLogger } from '../../server/logging/logger';

import { freePort } from '../../stack/ports';

export { freePort };

export interface TestServer {
  mcp: McpApp;
  baseUrl: string;
  mcpUrl: URL;
  /** Log lines written so far (parsed JSON). */
  logs: Record<string, unknown>[];
  /** Raw log text written so far. */
  rawLogs(): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** @default 'info' */
  logLevel?: LogLevel;
  /** Keep the server's own auth default (dev on loopback) instead of the tests' `none`. */
  defaultAuth?: boolean;
  /** See `CreateMcpAppOptions.clientMetadataFetch`. */
  clientMetadataFetch?: typeof fetch;
}

export async function startTestServer(
  env: Record<string, string> = {},
  capabilities?: CapabilitySet,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const port = env.PORT ?? String(await freePort());
  const authDefault = options.defaultAuth ? {} : { MCP_AUTH_MODE: 'none' };
  const config = loadConfig({ HOST: '127.0.0.1', ...authDefault, ...env, PORT: port });
  let raw = '';
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      const text = chunk.toString();
      raw += text;
      for (const line of text.split('\n').filter(Boolean)) {
        try {
          logs.push(JSON.parse(line));
        } catch {
          /* not JSON */
        }
      }
      cb();
    },
  });
  const logger = createLogger({ level: options.logLevel ?? 'info', destination });
  const mcp = await createMcpApp({ config, capabilities, logger, clientMetadataFetch: options.clientMetadataFetch });
  const { url } = await mcp.listen();
  return {
    mcp,
    baseUrl: url,
    mcpUrl: new URL(config.publicUrl.href),
    logs,
    rawLogs: () => raw,
    close: async () => {
      await mcp.shutdown();
    },
  };
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const initializeBody = (id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1.0.0' } },
});

/** Parses an SSE body into its events. */
export function parseSse(text: string): { id?: string; event?: string; data: string; retry?: number }[] {
  return text
    .split(/\n\n/)
    .filter((block) => block.trim() && !block.split('\n').every((l) => l.startsWith(':')))
    .map((block) => {
      const ev: { id?: string; event?: string; data: string; retry?: number } = { data: '' };
      for (const line of block.split('\n')) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const field = line.slice(0, i);
        const value = line.slice(i + 1).replace(/^ /, '');
        if (field === 'data') ev.data += value;
        else if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'retry') ev.retry = Number(value);
      }
      return ev;
    });
}
