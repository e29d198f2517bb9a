/** Builds a fresh SDK v1 `McpServer` (2025/2024 eras) with a capability set registered on it. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { CapabilityContext, CapabilitySet } from '../capabilities/types';
import { registerLegacyDefinitions } from './legacyDefinitions';
import { instrumentMcpServer } from '../observability/mcpSpans';

export type McpServerFactory = () => McpServer;

export function mcpServerFactory(capabilities: CapabilitySet, context: CapabilityContext): McpServerFactory {
  // One JSON Schema validator for all servers: the SDK would otherwise build an Ajv instance per server, i.e.
  // per stateful session — the largest part of a session's memory.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  return () => {
    const server = new McpServer(
      { name: capabilities.name, version: capabilities.version },
      { instructions: capabilities.instructions, capabilities: capabilities.capabilities, jsonSchemaValidator },
    );
    registerLegacyDefinitions(server, capabilities);
    capabilities.registerLegacy?.(server, context);
    instrumentMcpServer(server);
    return server;
  };
}
