/** A stateful MCP session opened over plain HTTP, for tests that then drive raw requests inside it. */
import { MCP_HEADERS, initializeBody } from './server';

/** Sends `initialize` to `mcpUrl`; returns the headers every later request of the new session carries. */
export async function initializeSession(mcpUrl: string | URL): Promise<Record<string, string>> {
  const init = await fetch(mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeBody()),
  });
  await init.text();
  return {
    ...MCP_HEADERS,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
}

/**
 * `initializeSession`, then `notifications/initialized`; returns the session's headers and the notification's
 * status (202 when the server accepted it).
 */
export async function openSession(
  mcpUrl: string | URL,
): Promise<{ headers: Record<string, string>; initializedStatus: number }> {
  const headers = await initializeSession(mcpUrl);
  const ready = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ready.text();
  return { headers, initializedStatus: ready.status };
}
