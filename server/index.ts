/**
 * `remote-mcp-stacks/server`: the app factory, the configuration contract and the capability API.
 *
 * ```ts
 * import { createMcpApp, loadConfig, type CapabilitySet } from 'remote-mcp-stacks/server';
 * const mcp = await createMcpApp({ config: loadConfig(), capabilities: myCapabilities });
 * await mcp.listen();
 * ```
 */
import { assertServerDependencies } from './runtimeDependencies';

// Before anything requires them: a missing runtime dependency is one clear line, not "Cannot find module".
assertServerDependencies();

export { createMcpApp, type CreateMcpAppOptions, type McpApp } from './app';
export * from './config/contract';
export { loadConfig, ConfigError, envSchema, isLoopbackHost, type ServerConfig, type AuthConfig } from './config/env';
export {
  defineTool,
  ToolError,
  type CapabilitySet,
  type CapabilityContext,
  type ModernCapabilityContext,
  type ToolDefinition,
  type ToolContext,
  type ResourceDefinition,
  type ElicitationRequest,
  type ElicitationAnswer,
} from './capabilities/types';
export { referenceCapabilities, COUNTDOWN_SCOPE } from './capabilities/reference';
export { principalOf, principalKey, type Principal } from './capabilities/principal';
export { InMemoryEventStore, inMemoryEventStores, type EventStore, type EventStoreFactory } from './mcp/eventStore';
export { createLogger, type Logger } from './logging/logger';
export { runServer } from './run';
export { exitAfterFlush } from './lifecycle/exit';
