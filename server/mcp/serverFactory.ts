/** Builds a fresh `McpServer` with a capability set registered on it. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CapabilityContext, CapabilitySet } from '../capabilities/types';

export type McpServerFactory = () => McpServer;

export function mcpServerFactory(capabilities: CapabilitySet, context: CapabilityContext): McpServerFactory {
  return () => {
    const server = new McpServer(
      { name: capabilities.name, version: capabilities.version },
      { instructions: capabilities.instructions, capabilities: capabilities.capabilities },
    );
    capabilities.register(server, context);
    return server;
  };
}
