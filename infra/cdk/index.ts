/**
 * `remote-mcp-stacks/cdk`: deploy the remote MCP server with the AWS CDK, or import the construct into your
 * own stacks.
 */
export { McpFargateService, CONTAINER_NAME } from './mcp-fargate-service';
export { McpObservability, type McpObservabilityProps } from './observability';
export type {
  McpFargateServiceProps,
  McpAutoScalingProps,
  McpSessionStoreProps,
  McpExistingSessionStoreProps,
  McpBrokerProps,
  McpAlarmsProps,
} from './mcp-fargate-service-props';
export {
  McpCognitoUpstream,
  COGNITO_GROUPS_CLAIM,
  COGNITO_PASSWORD_POLICY,
  COGNITO_STANDARD_SCOPES,
  upstreamCallbackUrl,
  type McpCognitoUpstreamOptions,
  type McpCognitoUpstreamProps,
} from './cognito-upstream';
export {
  McpServerlessSessionStore,
  SESSION_STORE_ENGINE,
  SESSION_STORE_ACCESS_STRING,
  type McpSessionStore,
  type McpServerlessSessionStoreProps,
} from './session-store';
export { McpServerStack, type McpServerStackProps } from './mcp-server-stack';
export {
  McpConfigError,
  resolveProps,
  ALB_IDLE_TIMEOUT_SECONDS,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_AUTO_SCALING,
  DEFAULT_DESIRED_COUNT,
  SESSION_STORE_LIMITS,
  type ResolvedProps,
  type ResolvedSessionStore,
  type ResolvedBroker,
  type ResolvedSecretRef,
} from './resolve-props';
export { FARGATE_MAX_STOP_TIMEOUT_SECONDS } from '../../server/config/contract';
export { addComplianceChecks, ErrorSeverity, type ComplianceCheckOptions } from './validation';
export {
  claudeCodeCommand,
  claudeDesktopConfig,
  vsCodeConfig,
  clientConfigs,
  clientAuthOf,
  type ClientAuth,
} from './client-config';
export { readAppContext, servicePropsFromContext, CONTEXT_KEYS, type AppContext, type ContextKey } from './context';
export { FINDINGS, acknowledgeServiceFindings, type Finding, type FindingContext } from './findings';
