/** Baseline: a bare express app that echoes a JSON-RPC tools/call the way an MCP server would answer it. */
import express from 'express';

const app = express();
app.use(express.json());
app.post('/mcp', (req, res) => {
  const body = req.body as { id?: unknown; params?: { arguments?: { text?: string } } };
  res.json({
    jsonrpc: '2.0',
    id: body.id,
    result: { content: [{ type: 'text', text: body.params?.arguments?.text ?? '' }] },
  });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
