/** The real app for an auth test, capturing every log line at trace level (see test/helpers/server.ts). */
import { MCP_HEADERS, freePort, initializeBody, startTestServer, type TestServer } from '../../helpers/server';
import type { CapabilitySet } from '../../../server/capabilities/types';

export { MCP_HEADERS, freePort };

export interface AuthTestServer extends Pick<TestServer, 'mcp' | 'baseUrl' | 'mcpUrl' | 'close'> {
  /** Everything logged so far. */
  logs(): string;
}

/** `env` is the process environment to load: the server's own auth default applies unless it sets MCP_AUTH_MODE. */
export async function startMcpServer(
  env: Record<string, string>,
  capabilities?: CapabilitySet,
): Promise<AuthTestServer> {
  const server = await startTestServer(env, capabilities, { logLevel: 'trace', defaultAuth: true });
  return { ...server, logs: server.rawLogs };
}

export const initialize = (id: number | string = 1) => JSON.stringify(initializeBody(id));

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
