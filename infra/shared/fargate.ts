/**
 * The ECS Fargate facts both AWS targets deploy with — the CDK construct (`infra/cdk`) and the Pulumi component
 * (`infra/pulumi/aws`) — in one place, so that the two cannot drift: task size defaults, the container, its health
 * checks, its logs, rolling deploys, and the limits of ElastiCache Serverless (the session store). Cloud-neutral in
 * its imports: no aws-cdk-lib or Pulumi, plain numbers and strings each target wraps in its own types.
 */
export { FARGATE_MAX_STOP_TIMEOUT_SECONDS, stopTimeoutSeconds } from '../../server/config/contract';
export { FARGATE_MAX_DRAIN_SECONDS, fargateDrainProblem } from './drain';

/** Task size and count when the user sets none. */
export const FARGATE_TASK_DEFAULTS = {
  /** 0.5 vCPU: Node runs JavaScript on one core, so scale out rather than up. */
  cpu: 512,
  memoryMiB: 1024,
  cpuArchitecture: 'X86_64' as 'X86_64' | 'ARM64',
  /** Without autoscaling. */
  desiredCount: 2,
} as const;

/** The CPU units Fargate accepts for a task. */
export const FARGATE_CPU_UNITS = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/** The range of task memory Fargate accepts (the valid values depend on `cpu`). */
export const FARGATE_MEMORY_MIB = { min: 512, max: 122880 } as const;

/** The server container's name in the task definition (the load balancer targets it by this name). */
export const CONTAINER_NAME = 'mcp';

/** uid:gid of the `node` user of the official Node images (the Dockerfile's `USER node`). */
export const CONTAINER_USER = '1000:1000';

/** Target group health check on `/readyz` (200 once the server can serve), in seconds and counts. */
export const TARGET_HEALTH_CHECK = {
  interval: 10,
  timeout: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  matcher: '200',
} as const;

/** Time for a new task to start before the load balancer's health checks count against it. */
export const HEALTH_CHECK_GRACE_PERIOD_SECONDS = 60;

/** The Dockerfile's own HEALTHCHECK timings (liveness on `/healthz`), which ECS does not read from the image. */
export const CONTAINER_HEALTH_CHECK = { interval: 30, timeout: 5, startPeriod: 10, retries: 3 } as const;

/** The command of that health check: Node's fetch, as the image has no curl. */
export function containerHealthCheckCommand(port: number, healthPath: string): string[] {
  const probe = `fetch('http://127.0.0.1:${port}${healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return ['CMD', 'node', '-e', probe];
}

/** Zero-downtime rolling deploys: new tasks become healthy before old ones drain. */
export const ROLLING_DEPLOYMENT = { minimumHealthyPercent: 100, maximumPercent: 200 } as const;

/**
 * The awslogs driver of the server container. Non-blocking with a buffer: a slow log stream must never block
 * stdout (a blocked write would stall the event loop and every stream).
 */
export const CONTAINER_LOGS = { streamPrefix: 'mcp', mode: 'non-blocking', maxBufferSizeMiB: 25 } as const;

/** One year: AWS Control Tower control CT.CLOUDWATCH.PR.2. */
export const LOG_RETENTION_DAYS = 365;

/** The retention periods CloudWatch Logs accepts. */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The session store both targets create: ElastiCache Serverless for Valkey, one password user. */
export const ELASTICACHE_SESSION_STORE = {
  engine: 'valkey',
  /** ElastiCache Serverless supports Valkey 7 and 8; the server needs Redis/Valkey 7+. */
  majorEngineVersion: '8',
  minMajorEngineVersion: 7,
  /**
   * `REDIS_URL` carries a password and no user name (the contract's `redisUrl`), so the client authenticates as the
   * user named `default` — the name every RBAC user group must contain.
   */
  userName: 'default',
  /**
   * The ACL of that user. The cache serves only this service: every key (`~*`), every pub/sub channel (`&*`: the
   * tasks route messages to each other; Valkey 7+ grants no channel by default), every command (`+@all`: ioredis
   * runs INFO as its ready check).
   */
  accessString: 'on ~* &* +@all',
  /** Cache, user and user group names: lowercase letters, digits and hyphens, starting with a letter. */
  nameMaxLength: 40,
} as const;

/** The usage limits ElastiCache Serverless accepts. */
export const ELASTICACHE_LIMITS = {
  dataStorageGB: { min: 1, max: 5000 },
  ecpuPerSecond: { min: 1000, max: 15_000_000 },
} as const;
