/**
 * The server container of the Pulumi `McpFargateService`, built from typed pieces (the ECS API's container
 * definition, which `@pulumi/aws` takes as a JSON string) with the Fargate facts shared with the CDK construct
 * (`infra/shared/fargate.ts`). The execution role's policy lives here too: it is what the task needs to start.
 */
import { CONTAINER_PORT, ENV, PATHS } from '../../../server/config/contract';
import { ECR_PULL_ACTIONS, parseEcrImage } from '../../shared/ecr';
import {
  CONTAINER_HEALTH_CHECK,
  CONTAINER_LOGS,
  CONTAINER_NAME,
  containerHealthCheckCommand,
} from '../../shared/fargate';

/** A container's environment variable, as ECS takes it. */
export interface ContainerEnvironmentVariable {
  name: string;
  value: string;
}

/** A secret variable ECS injects at task start: `valueFrom` is a secret ARN, or `<arn>:<JSON field>::`. */
export interface ContainerSecret {
  name: string;
  valueFrom: string;
}

export interface ContainerHealthCheck {
  command: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  retries: number;
}

export interface AwsLogsConfiguration {
  logDriver: 'awslogs';
  options: Record<string, string>;
}

/** The part of an ECS container definition this component sets for the server. */
export interface ServerContainerDefinition {
  name: string;
  image: string;
  essential: true;
  portMappings: { containerPort: number; protocol: 'tcp'; name: string }[];
  environment: ContainerEnvironmentVariable[];
  secrets: ContainerSecret[];
  stopTimeout: number;
  user: string;
  readonlyRootFilesystem: true;
  privileged: false;
  healthCheck?: ContainerHealthCheck;
  logConfiguration: AwsLogsConfiguration;
}

/** Where each secret variable of the server comes from (ARNs known at deploy). */
export interface ServerSecretSources {
  /** The service's secret (created or `secretArn`) and the JSON fields injected from it. */
  secretArn?: string;
  secretFields: readonly string[];
  /** The secret holding `REDIS_URL`, and its JSON field (undefined: the whole value). */
  redisUrlSecretArn?: string;
  redisUrlField?: string;
  /** The secret holding `MCP_REQUEST_STATE_KEYS` (its whole value). */
  requestStateKeysSecretArn?: string;
}

/**
 * Injected by ECS at task start from the secret's JSON fields: `<secret arn>:<field>::`; REDIS_URL and the
 * request-state keys are the whole value of their own secrets (or a field of an existing store's).
 */
export function serverContainerSecrets(sources: ServerSecretSources): ContainerSecret[] {
  const { secretArn, redisUrlSecretArn, redisUrlField, requestStateKeysSecretArn } = sources;
  const field = (arn: string, name: string): string => `${arn}:${name}::`;
  const fromFields =
    secretArn === undefined ? [] : sources.secretFields.map((name) => ({ name, valueFrom: field(secretArn, name) }));
  const redisUrlFrom = (arn: string): string => (redisUrlField ? field(arn, redisUrlField) : arn);
  const redis =
    redisUrlSecretArn === undefined ? [] : [{ name: ENV.redisUrl, valueFrom: redisUrlFrom(redisUrlSecretArn) }];
  const keysArn = requestStateKeysSecretArn;
  const keys = keysArn === undefined ? [] : [{ name: ENV.requestStateKeys, valueFrom: keysArn }];
  return [...fromFields, ...redis, ...keys];
}

/** The awslogs driver: the service's log group, non-blocking with a buffer (a slow stream never blocks stdout). */
export function awsLogsConfiguration(logGroupName: string, region: string): AwsLogsConfiguration {
  return {
    logDriver: 'awslogs',
    options: {
      'awslogs-group': logGroupName,
      'awslogs-region': region,
      'awslogs-stream-prefix': CONTAINER_LOGS.streamPrefix,
      mode: CONTAINER_LOGS.mode,
      'max-buffer-size': `${CONTAINER_LOGS.maxBufferSizeMiB}m`,
    },
  };
}

/** The Dockerfile's own HEALTHCHECK (liveness on /healthz), which ECS does not read from the image. */
export function containerHealthCheck(): ContainerHealthCheck {
  return { command: containerHealthCheckCommand(CONTAINER_PORT, PATHS.healthz), ...CONTAINER_HEALTH_CHECK };
}

/** The server container: contract names only in its environment, secrets from Secrets Manager, read-only, non-root. */
export function serverContainerDefinition(parts: {
  image: string;
  environment: ContainerEnvironmentVariable[];
  secrets: ContainerSecret[];
  stopTimeoutSeconds: number;
  user: string;
  healthCheck: boolean;
  logs: AwsLogsConfiguration;
}): ServerContainerDefinition {
  return {
    name: CONTAINER_NAME,
    image: parts.image,
    essential: true,
    portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp', name: 'http' }],
    environment: parts.environment,
    secrets: parts.secrets,
    // SIGTERM comes after the deregistration delay; stopTimeout (drain + margin) then lets the server drain
    // whatever is still running and exit before SIGKILL.
    stopTimeout: parts.stopTimeoutSeconds,
    user: parts.user,
    // The server writes nothing to disk (logs go to stdout).
    readonlyRootFilesystem: true,
    privileged: false,
    ...(parts.healthCheck ? { healthCheck: containerHealthCheck() } : {}),
    logConfiguration: parts.logs,
  };
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag][@digest]` (or FIPS, dual-stack) → its ARN. */
export function ecrRepositoryArn(image: string): string | undefined {
  return parseEcrImage(image)?.repositoryArn;
}

/** Who may assume the task and execution roles. */
export const ASSUME_BY_ECS_TASKS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * The execution role's policy: pull this image (only when it is in ECR, and from its repository only), write to
 * this log group, read this secret, the `REDIS_URL` secret and the request-state keys' secret. Nothing else.
 */
export function executionRolePolicy(
  image: string,
  logGroupArn: string,
  secretArn: string | undefined,
  redisUrlSecretArn?: string,
  requestStateKeysSecretArn?: string,
): object {
  const statements: object[] = [];
  const repositoryArn = ecrRepositoryArn(image);
  if (repositoryArn) {
    // GetAuthorizationToken has no resource-level permissions: it must be `*`.
    statements.push({ Sid: 'EcrAuth', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' });
    statements.push({ Sid: 'PullImage', Effect: 'Allow', Action: [...ECR_PULL_ACTIONS], Resource: repositoryArn });
  }
  statements.push({
    Sid: 'WriteLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: `${logGroupArn}:log-stream:*`,
  });
  const secrets = [secretArn, redisUrlSecretArn, requestStateKeysSecretArn].filter((arn): arn is string => !!arn);
  if (secrets.length > 0) {
    statements.push({
      Sid: 'ReadSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets.length === 1 ? secrets[0] : secrets,
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
