/**
 * What a team replaces: the tools, resources and prompts the server offers. A tool is written once (`ToolDefinition`)
 * and served to every protocol era: 2026-07-28 (SDK v2), 2025-era Streamable HTTP and 2024-11-05 HTTP+SSE (SDK v1).
 * The reference set (`reference.ts`) shows the shape.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type {
  CallToolResult,
  ElicitRequestFormParams,
  ReadResourceResult,
  ServerCapabilities,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServer as ModernMcpServer, ServerContext, ServerNotifier } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { SessionMode } from '../config/contract';
import type { Principal } from './principal';

export interface CapabilityContext {
  /** How 2025-era clients are served (2026-07-28 requests are always stateless). */
  sessionMode: SessionMode;
  /** Version string of the server package. */
  version: string;
}

/** What `registerModern` gets besides the context: the listen-stream notifier and the signed `requestState` minter. */
export interface ModernCapabilityContext extends CapabilityContext {
  /** Publishes list-changed / resource-updated events to open `subscriptions/listen` streams. */
  notify: ServerNotifier;
  /**
   * Seals a payload into `requestState` (HMAC under MCP_REQUEST_STATE_KEYS, bound to the principal, expiry and the
   * original request). Every echoed state is verified before handlers run; read it with `ctx.mcpReq.requestState()`.
   */
  mintRequestState(payload: unknown, ctx: ServerContext): Promise<string>;
}

/** A form-mode elicitation: a message and a flat JSON Schema of primitive fields (the MCP elicitation subset). */
export interface ElicitationRequest {
  message: string;
  requestedSchema: ElicitRequestFormParams['requestedSchema'];
}

/** The user's answer to an elicitation. */
export interface ElicitationAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
}

export interface ToolContext {
  /** The authenticated caller. */
  principal: Principal;
  /** Aborted when the client cancels or goes away. */
  signal: AbortSignal;
  /** `modern` for 2026-07-28 requests, `legacy` for 2025/2024-era ones. */
  era: 'modern' | 'legacy';
  /** Reports progress when the caller asked for it (no-op otherwise). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Asks the user. `key` names the question (stable across retries). 2026-07-28: the call returns
   * `input_required` and runs again with the answer; 2025 sessions: an `elicitation/create` request; a 2025
   * stateless client cannot be asked and gets a tool error.
   */
  elicit(key: string, request: ElicitationRequest): Promise<ElicitationAnswer>;
}

export interface ToolDefinition<Input extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title?: string;
  description: string;
  /** Input fields (zod). @default no arguments */
  input?: Input;
  /** Fields of `structuredContent`, when the tool returns structured output. */
  output?: z.ZodRawShape;
  annotations?: ToolAnnotations;
  /**
   * OAuth scopes the tool needs beyond the server-wide ones, checked before the call reaches it: a caller
   * without them gets HTTP 403 `insufficient_scope` naming the scope.
   */
  scopes?: readonly string[];
  run(args: z.infer<z.ZodObject<Input>>, ctx: ToolContext): Promise<CallToolResult>;
}

export interface ResourceDefinition {
  name: string;
  uri: string;
  title?: string;
  description?: string;
  mimeType?: string;
  read(uri: URL, ctx: { principal: Principal }): Promise<ReadResourceResult>;
}

/** Builds a tool definition with its argument types inferred from `input`. */
export function defineTool<Input extends z.ZodRawShape>(tool: ToolDefinition<Input>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

export interface CapabilitySet {
  /** Server name reported to clients. */
  name: string;
  /** Server version reported to clients. */
  version: string;
  /** Instructions sent to clients (`initialize`, `server/discover`). */
  instructions?: string;
  /** Extra capabilities to advertise (tools/resources/prompts are added automatically when registered). */
  capabilities?: ServerCapabilities;
  /** Tools, served to every era. */
  tools?: readonly ToolDefinition[];
  /** Static resources, served to every era. */
  resources?: readonly ResourceDefinition[];
  /**
   * Escape hatches for what the definitions above do not cover (prompts, completions, templates…): called on each
   * fresh SDK v1 server (2025/2024 eras) and SDK v2 server (2026-07-28). Keep them cheap and free of side effects.
   */
  registerLegacy?(server: McpServer, context: CapabilityContext): void;
  registerModern?(server: ModernMcpServer, context: ModernCapabilityContext): void;
  /** Extra per-tool scopes (merged with each tool's `scopes`). */
  toolScopes?: Readonly<Record<string, readonly string[]>>;
}

/** Per-tool scopes of a set: each tool's `scopes`, plus `toolScopes`. */
export function toolScopesOf(set: CapabilitySet): Record<string, readonly string[]> {
  const scopes: Record<string, string[]> = {};
  for (const tool of set.tools ?? []) if (tool.scopes?.length) scopes[tool.name] = [...tool.scopes];
  for (const [name, extra] of Object.entries(set.toolScopes ?? {}))
    scopes[name] = [...new Set([...(scopes[name] ?? []), ...extra])];
  return scopes;
}

/** Thrown by a tool to end the call with a tool error (`isError: true`) carrying `message`. */
export class ToolError extends Error {}
