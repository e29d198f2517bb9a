/** Starts the real app for an auth test on a chosen free port, capturing every log line (trace level). */
import { Writable } from 'node:stream';
import { createMcpApp, type McpApp } from '../../../server/app';
import type { CapabilitySet } from '../../../server/capabilities/types';
import { loadConfig } from '../../../server/config/env';
import { createLogger } from '../../../server/logging/logger';
import { freePort } from '../../helpers/server';

export { freePort };

export interface AuthTestServer {
  mcp: McpApp;
  baseUrl: string;
  mcpUrl: URL;
  /** Everything logged so far. */
  logs(): string;
  close(): Promise<void>;
}

/** `env` is the process environment to load (HOST defaults to 127.0.0.1; PORT must be given when the URL matters). */
export async function startMcpServer(env: Record<string, string>, capabilities?: CapabilitySet): Promise<AuthTestServer> {
  const port = env.PORT ?? String(await freePort());
  const config = loadConfig({ HOST: '127.0.0.1', ...env, PORT: port });
  let raw = '';
  const destination = new Writable({
    write(chunk, _enc, cb) {
      raw += chunk.toString();
      cb();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  const mcp = await createMcpApp({ config, capabilities, logger });
  const { url } = await mcp.listen();
  return {
    mcp,
    baseUrl: url,
    mcpUrl: new URL(config.publicUrl.href),
    logs: () => raw,
    close: async () => {
      await mcp.shutdown();
    },
  };
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const initialize = (id: number | string = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'jest', version: '1.0.0' } },
  });

export const toolCall = (name: string, args: Record<string, unknown> = {}, id: number | string = 2) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** `WWW-Authenticate` parameters as a map (quoted values unquoted). */
export function challengeOf(res: Response): { scheme: string; params: Record<string, string> } {
  const header = res.headers.get('www-authenticate') ?? '';
  const scheme = header.split(/\s/)[0] ?? '';
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}
