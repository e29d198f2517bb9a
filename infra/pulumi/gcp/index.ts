/**
 * Public API of `remote-mcp-stacks/pulumi/gcp`: Pulumi components that run the remote MCP server on Google
 * Cloud Run. Import them into any Pulumi program (peer dependencies: `@pulumi/pulumi`, `@pulumi/gcp`).
 */
export {
  CLOUD_RUN_DEFAULTS,
  CLOUD_RUN_LIMITS,
  CLOUD_RUN_PROBES,
  McpCloudRunService,
  SESSION_STORE_DEFAULTS,
  deterministicUrl,
  redisInstanceId,
  type CloudRunExistingSessionStore,
  type CloudRunPublicAccess,
  type CloudRunSessionStore,
  type McpCloudRunServiceArgs,
} from './cloud-run-service';
export { McpImageRepository, type McpImageRepositoryArgs } from './image-repository';
export { clientConfigFor, type McpClientConfig } from '../common/client-config';
export { McpConfigError } from '../common/errors';
export type { CloudRunAlerts, CloudRunMonitoring, CloudRunTelemetry } from './monitoring';
export type { McpSecretValues } from '../common/server-settings';
