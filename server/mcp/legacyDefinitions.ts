/**
 * Registers a capability set's tool and resource definitions on an SDK v1 `McpServer` (2025/2024 eras). Elicitation
 * is an `elicitation/create` request on the call's stream, which needs a session to carry the client's answer back:
 * a stateless 2025 client cannot be asked and gets a tool error that says so.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolResult,
  ElicitResultSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { principalOf } from '../capabilities/principal';
import { type CapabilitySet, type ElicitationAnswer, type ToolContext, ToolError } from '../capabilities/types';

export const CANNOT_ASK_STATELESS =
  'This tool needs an answer from the user, and this connection cannot ask for one: 2025 stateless Streamable HTTP has no session to carry the answer back. Use a client speaking protocol 2026-07-28, or a server with MCP_SESSION_MODE=stateful.';

export const CLIENT_CANNOT_ELICIT =
  'This tool needs an answer from the user, and this client did not declare the elicitation capability.';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function registerLegacyDefinitions(server: McpServer, set: CapabilitySet): void {
  for (const tool of set.tools ?? []) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input ?? {},
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      async (args: Record<string, unknown>, extra: Extra) =>
        runTool(() => tool.run(args as never, legacyContext(server, extra))),
    );
  }
  for (const resource of set.resources ?? []) {
    server.registerResource(
      resource.name,
      resource.uri,
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri, extra) => resource.read(uri, { principal: principalOf(extra.authInfo) }),
    );
  }
}

/** A `ToolError` becomes a tool error result; anything else propagates (the SDK reports it as a tool error too). */
export async function runTool(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ToolError) return { content: [{ type: 'text', text: err.message }], isError: true };
    throw err;
  }
}

function legacyContext(server: McpServer, extra: Extra): ToolContext {
  const progressToken = extra._meta?.progressToken;
  return {
    principal: principalOf(extra.authInfo),
    signal: extra.signal,
    era: 'legacy',
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, total, message },
      });
    },
    elicit: async (_key, request): Promise<ElicitationAnswer> => {
      // Only sessions (stateful Streamable HTTP, the cluster, HTTP+SSE) have an id and can route the answer back.
      if (extra.sessionId === undefined) throw new ToolError(CANNOT_ASK_STATELESS);
      if (!server.server.getClientCapabilities()?.elicitation) throw new ToolError(CLIENT_CANNOT_ELICIT);
      const answer = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { mode: 'form', message: request.message, requestedSchema: request.requestedSchema },
        },
        ElicitResultSchema,
      );
      return { action: answer.action, content: answer.content as ElicitationAnswer['content'] };
    },
  };
}
