/**
 * Registers a capability set's tool and resource definitions on an SDK v2 `McpServer` (2026-07-28). Schemas are
 * built once per app (not per request). A tool that asks the user (`ctx.elicit`) ends the round with
 * `input_required`: the client answers and retries, possibly on another instance; the answers so far travel in the
 * signed `requestState` (bound to the principal and the original call, see `requestState.ts`).
 */
import {
  inputRequired,
  type CallToolResult,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { principalOf } from '../capabilities/principal';
import {
  type CapabilitySet,
  type ElicitationAnswer,
  type ElicitationRequest,
  type ToolContext,
  type ToolDefinition,
  ToolError,
} from '../capabilities/types';
import type { RequestStateKeyring } from './requestState';

/** What a signed `requestState` carries between rounds. */
export interface ToolRoundState {
  /** Answers collected in earlier rounds, by question key. */
  answers: Record<string, ElicitationAnswer>;
}

class InputNeeded {
  constructor(
    readonly key: string,
    readonly request: ElicitationRequest,
  ) {}
}

interface CompiledTool {
  tool: ToolDefinition;
  input: z.ZodObject;
  output?: z.ZodObject;
}

export type ModernRegistrar = (server: McpServer) => void;

/** Compiles the definitions once; the returned function registers them on each fresh server. */
export function modernDefinitions(set: CapabilitySet, state: RequestStateKeyring<ToolRoundState>): ModernRegistrar {
  const tools: CompiledTool[] = (set.tools ?? []).map((tool) => ({
    tool,
    input: z.object(tool.input ?? {}),
    output: tool.output ? z.object(tool.output) : undefined,
  }));
  return (server) => {
    for (const { tool, input, output } of tools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema: input,
          outputSchema: output,
          annotations: tool.annotations,
        },
        ((args: Record<string, unknown>, ctx: ServerContext) => runModernTool(tool, args, ctx, state)) as never,
      );
    }
    for (const resource of set.resources ?? []) {
      server.registerResource(
        resource.name,
        resource.uri,
        { title: resource.title, description: resource.description, mimeType: resource.mimeType },
        (async (uri: URL, ctx: ServerContext) =>
          resource.read(uri, { principal: principalOf(ctx.http?.authInfo) })) as never,
      );
    }
  };
}

async function runModernTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  ctx: ServerContext,
  state: RequestStateKeyring<ToolRoundState>,
): Promise<CallToolResult | InputRequiredResult> {
  // Verified (signature, expiry, principal, original call) by the SDK's requestState hook before the handler runs.
  const previous = ctx.mcpReq.requestState<ToolRoundState>();
  const answers: Record<string, ElicitationAnswer> = { ...(previous?.answers ?? {}) };
  for (const [key, value] of Object.entries(ctx.mcpReq.inputResponses ?? {})) {
    const answer = asElicitationAnswer(value);
    if (answer) answers[key] = answer;
  }
  try {
    return await tool.run(args as never, modernContext(ctx, answers));
  } catch (err) {
    if (err instanceof InputNeeded) {
      return inputRequired({
        inputRequests: {
          [err.key]: inputRequired.elicit({
            mode: 'form',
            message: err.request.message,
            requestedSchema: err.request.requestedSchema as never,
          }),
        },
        requestState: await state.mint({ answers }, ctx),
      });
    }
    if (err instanceof ToolError) return { content: [{ type: 'text', text: err.message }], isError: true };
    throw err;
  }
}

function asElicitationAnswer(value: unknown): ElicitationAnswer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { action, content } = value as { action?: unknown; content?: unknown };
  if (action !== 'accept' && action !== 'decline' && action !== 'cancel') return undefined;
  const safeContent =
    typeof content === 'object' && content !== null && !Array.isArray(content)
      ? (content as ElicitationAnswer['content'])
      : undefined;
  return { action, content: safeContent };
}

function modernContext(ctx: ServerContext, answers: Record<string, ElicitationAnswer>): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    principal: principalOf(ctx.http?.authInfo),
    signal: ctx.mcpReq.signal,
    era: 'modern',
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, total, message },
      });
    },
    elicit: async (key, request) => {
      const answer = answers[key];
      if (answer) return answer;
      throw new InputNeeded(key, request);
    },
  };
}
