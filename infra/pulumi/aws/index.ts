/**
 * Public API of `remote-mcp-stacks/pulumi/aws`: a Pulumi component that runs the remote MCP server on ECS
 * Fargate behind an Application Load Balancer. Import it into any Pulumi program (peer dependencies:
 * `@pulumi/pulumi`, `@pulumi/aws`).
 */
export {
  CLOUDWATCH_RETENTION_DAYS,
  CONTAINER_NAME,
  FARGATE_DEFAULTS,
  FARGATE_LIMITS,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  McpFargateService,
  McpServerlessSessionStore,
  SESSION_STORE_DEFAULTS,
  TARGET_HEALTH_CHECK,
  ecrRepositoryArn,
  executionRolePolicy,
  sessionStoreIds,
  type McpFargateAutoScaling,
  type McpFargateExistingSessionStore,
  type McpFargateServiceArgs,
  type McpFargateSessionStore,
} from './fargate-service';
export { McpNetwork, NETWORK_DEFAULTS, type McpNetworkArgs } from './network';
export { clientConfigFor, type McpClientConfig } from '../common/client-config';
export { McpConfigError } from '../common/errors';
export {
  telemetryPolicy,
  type McpFargateAlarms,
  type McpFargateMonitoring,
  type McpFargateTelemetry,
} from './observability';
export type { McpSecretValues } from '../common/server-settings';
