/**
 * What a team replaces: the tools, resources and prompts the server offers. The app factory takes a
 * `CapabilitySet`; the reference set (`reference.ts`) shows the shape.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { SessionMode } from '../config/contract';

export interface CapabilityContext {
  /** The server's session mode (tools may behave differently when there is no session). */
  sessionMode: SessionMode;
  /** Version string of the server package. */
  version: string;
}

export interface CapabilitySet {
  /** Server name reported in `initialize`. */
  name: string;
  /** Server version reported in `initialize`. */
  version: string;
  /** Instructions sent to clients in `initialize`. */
  instructions?: string;
  /** Extra capabilities to advertise (tools/resources/prompts are added automatically when registered). */
  capabilities?: ServerCapabilities;
  /**
   * Registers tools, resources and prompts on a fresh `McpServer`. Called once per session (stateful) or
   * per request (stateless): keep it cheap and free of side effects.
   */
  register(server: McpServer, context: CapabilityContext): void;
  /**
   * OAuth scopes a tool needs beyond the server-wide ones. Checked before the call reaches the tool:
   * a caller without them gets HTTP 403 `insufficient_scope` naming the scope.
   */
  toolScopes?: Readonly<Record<string, readonly string[]>>;
}
