/** A stateful MCP session opened over plain HTTP, for tests that then drive raw requests inside it. */
import { MCP_HEADERS, initializeBody } from './server';

/**
 * Sends `initialize` then `notifications/initialized` to `mcpUrl`; returns the headers every later request of the
 * session carries, and the notification's status (202 when the server accepted it).
 */
export async function openSession(
  mcpUrl: string | URL,
): Promise<{ headers: Record<string, string>; initializedStatus: number }> {
  const init = await fetch(mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeBody()),
  });
  await init.text();
  const headers = {
    ...MCP_HEADERS,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
  const ready = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ready.text();
  return { headers, initializedStatus: ready.status };
}
