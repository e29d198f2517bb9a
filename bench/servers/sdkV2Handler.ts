/**
 * Peer: the SDK v2's own per-request handler (`createMcpHandler`, a fresh McpServer per request), mounted on express
 * as its documentation shows — what a team gets from the SDK alone for 2026-07-28 traffic.
 */
import express from 'express';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { z } from 'zod';

const input = z.object({ text: z.string() });
const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'sdk-v2-handler', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo', inputSchema: input }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
});
const node = toNodeHandler(handler);
const app = express();
app.use(express.json());
app.all('/mcp', (req, res) => void node(req, res, req.body));
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
