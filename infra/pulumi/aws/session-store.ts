/**
 * The shared session store of the Pulumi `McpFargateService` (`sessionStore`), the counterpart of the CDK
 * construct's `infra/cdk/session-store.ts`. Created: ElastiCache Serverless for Valkey in the tasks' private subnets,
 * TLS, one password user, reachable only from the tasks' security group, and its `REDIS_URL` in a secret of its
 * own. Existing: the rules that let the tasks reach it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ENV, REDIS, redisUrl } from '../../../server/config/contract';
import { ELASTICACHE_SESSION_STORE } from '../../shared/fargate';
import type { McpFargateExistingSessionStore, McpFargateSessionStore } from './fargate-service-args';

/** The created store's engine, user name and ACL (`infra/shared/fargate.ts`, as the CDK construct's). */
export const SESSION_STORE_DEFAULTS = {
  engine: ELASTICACHE_SESSION_STORE.engine,
  majorEngineVersion: ELASTICACHE_SESSION_STORE.majorEngineVersion,
  userName: ELASTICACHE_SESSION_STORE.userName,
  accessString: ELASTICACHE_SESSION_STORE.accessString,
} as const;

/**
 * Names of the store's resources: ElastiCache user and user group IDs and serverless cache names are unique per
 * account and region and are not auto-named, so they derive from the project, the stack and the component name
 * (two stacks of one account never collide; one stack always gets the same names). Lowercase, starting with a
 * letter, at most 40 characters.
 */
export function sessionStoreIds(
  name: string,
  project = pulumi.getProject(),
  stack = pulumi.getStack(),
): { cacheName: string; userGroupId: string; userId: string } {
  const hash = createHash('sha256').update(`${project}/${stack}/${name}`).digest('hex').slice(0, 8);
  const base = `mcp-${name.toLowerCase().replace(/-+/g, '-')}-${hash}`;
  return { cacheName: base, userGroupId: base, userId: `${base}-u` };
}

export interface McpServerlessSessionStoreArgs extends McpFargateSessionStore {
  /** The service's component name: the store's resources are named after it. */
  serviceName: string;
  /** Valkey major version, checked by `resolveArgs`. */
  majorEngineVersion: string;
  vpcId: pulumi.Input<string>;
  /** The tasks' private subnets. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The tasks' security group: the only source the cache accepts. */
  clientSecurityGroupId: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * An ElastiCache Serverless cache for Valkey that only the service's tasks can reach, and its `REDIS_URL` secret.
 *
 * Its resources were children of `McpFargateService` before this component existed: each carries an alias to that
 * parent, so that stacks deployed then move under this component instead of being replaced.
 */
export class McpServerlessSessionStore extends pulumi.ComponentResource {
  /** Its own security group: the only way in is from the tasks' group, on the store's port; no egress at all. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The one user, named `default`, with a generated password. */
  readonly user: aws.elasticache.User;
  readonly userGroup: aws.elasticache.UserGroup;
  readonly cache: aws.elasticache.ServerlessCache;
  /** `host:port` of the cache's endpoint. */
  readonly endpoint: pulumi.Output<string>;
  /** `REDIS_URL` with the password: a Pulumi secret. */
  readonly redisUrl: pulumi.Output<string>;
  /** The secret holding `REDIS_URL` (its whole value), which ECS injects. */
  readonly redisUrlSecret: aws.secretsmanager.Secret;
  /** The version of that secret's value: a new one rolls the tasks. */
  readonly redisUrlVersionId: pulumi.Output<string>;

  constructor(
    name: string,
    args: McpServerlessSessionStoreArgs,
    opts: pulumi.ComponentResourceOptions & { parent: pulumi.Resource },
  ) {
    super('remote-mcp-stacks:aws:McpServerlessSessionStore', name, {}, opts);
    const service = args.serviceName;
    const where = `McpFargateService ${service}`;
    const ids = sessionStoreIds(service);
    const { tags } = args;
    // Parented here, with an alias to the service component, their parent before (no replacement).
    const child = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
      parent: this,
      aliases: [{ parent: opts.parent }],
      ...extra,
    });

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${service}-sessions`,
      { vpcId: args.vpcId, description: 'MCP session store: reachable only from the MCP tasks, on 6379', tags },
      child(),
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${service}-sessions-from-tasks`,
      {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: args.clientSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: REDIS.port,
        toPort: REDIS.port,
        description: 'Only the MCP tasks reach the session store',
      },
      child(),
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${service}-tasks-to-sessions`,
      {
        securityGroupId: args.clientSecurityGroupId,
        referencedSecurityGroupId: this.securityGroup.id,
        ipProtocol: 'tcp',
        fromPort: REDIS.port,
        toPort: REDIS.port,
        description: 'The session store (REDIS_URL)',
      },
      child(),
    );
    // The password: 32 random bytes (base64url: no character that needs escaping in a URL), a Pulumi secret from the
    // start. @pulumi/random is not a dependency, so it is drawn on every run — and `ignoreChanges` keeps the one the
    // user was created with: the URL below reads it back from the user's state, so it is stable across runs and
    // never rotates by accident. (Rotate by replacing the user: `pulumi up --replace <urn of the user>`.)
    const password = pulumi.secret(randomBytes(32).toString('base64url'));
    this.user = new aws.elasticache.User(
      `${service}-sessions`,
      {
        userId: ids.userId,
        userName: SESSION_STORE_DEFAULTS.userName,
        engine: SESSION_STORE_DEFAULTS.engine,
        accessString: SESSION_STORE_DEFAULTS.accessString,
        passwords: [password],
        tags,
      },
      child({ ignoreChanges: ['passwords'] }),
    );
    this.userGroup = new aws.elasticache.UserGroup(
      `${service}-sessions`,
      { userGroupId: ids.userGroupId, engine: SESSION_STORE_DEFAULTS.engine, userIds: [this.user.userId], tags },
      child(),
    );
    const limits: aws.types.input.elasticache.ServerlessCacheCacheUsageLimits = {
      ...(args.maxDataStorageGB !== undefined ? { dataStorage: { maximum: args.maxDataStorageGB, unit: 'GB' } } : {}),
      ...(args.maxEcpuPerSecond !== undefined ? { ecpuPerSeconds: [{ maximum: args.maxEcpuPerSecond }] } : {}),
    };
    // Serverless: TLS only (so rediss://), in the tasks' private subnets, RBAC through the user group.
    this.cache = new aws.elasticache.ServerlessCache(
      `${service}-sessions`,
      {
        name: ids.cacheName,
        description: `Session store of the MCP server ${service} (REDIS_URL)`,
        engine: SESSION_STORE_DEFAULTS.engine,
        majorEngineVersion: args.majorEngineVersion,
        subnetIds: args.subnetIds,
        securityGroupIds: [this.securityGroup.id],
        userGroupId: this.userGroup.userGroupId,
        kmsKeyId: args.kmsKeyArn,
        cacheUsageLimits: Object.keys(limits).length > 0 ? limits : undefined,
        tags,
      },
      // The name is fixed (unique per stack), so a replacement must delete first.
      child({ deleteBeforeReplace: true }),
    );
    const endpoint = this.cache.endpoints.apply((endpoints) => {
      const first = endpoints?.[0];
      if (!first) throw new Error(`${where}: the session store reported no endpoint`);
      return first;
    });
    this.endpoint = pulumi.interpolate`${endpoint.address}:${endpoint.port}`;
    this.redisUrl = pulumi.secret(
      pulumi.all([endpoint, this.user.passwords]).apply(([address, passwords]) => {
        const stored = passwords?.[0];
        if (!stored) throw new Error(`${where}: the session store user has no password`);
        return redisUrl(address.address, { port: address.port, tls: true, password: stored });
      }),
    );
    this.redisUrlSecret = new aws.secretsmanager.Secret(
      `${service}-redis-url`,
      {
        description:
          `${ENV.redisUrl} of the MCP server (its session store, with the password); ` + 'ECS injects it at task start',
        tags,
      },
      child(),
    );
    const version = new aws.secretsmanager.SecretVersion(
      `${service}-redis-url`,
      { secretId: this.redisUrlSecret.id, secretString: this.redisUrl },
      child(),
    );
    this.redisUrlVersionId = version.versionId;
    this.registerOutputs({
      endpoint: this.endpoint,
      cacheArn: this.cache.arn,
      redisUrlSecretArn: this.redisUrlSecret.arn,
    });
  }
}

/**
 * An existing store's network path: an ingress rule on its security group from the tasks, and an egress rule from the
 * tasks to it (their group otherwise allows only 443 out). Without `securityGroupId`, nothing.
 */
export function connectExistingSessionStore(
  serviceName: string,
  store: McpFargateExistingSessionStore & { port: number },
  serviceSecurityGroupId: pulumi.Input<string>,
  parent: pulumi.Resource,
): void {
  if (store.securityGroupId === undefined) return;
  const rule = { ipProtocol: 'tcp', fromPort: store.port, toPort: store.port };
  new aws.vpc.SecurityGroupIngressRule(
    `${serviceName}-sessions-from-tasks`,
    {
      securityGroupId: store.securityGroupId,
      referencedSecurityGroupId: serviceSecurityGroupId,
      ...rule,
      description: 'MCP tasks to their session store',
    },
    { parent },
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${serviceName}-tasks-to-sessions`,
    {
      securityGroupId: serviceSecurityGroupId,
      referencedSecurityGroupId: store.securityGroupId,
      ...rule,
      description: 'The session store (REDIS_URL)',
    },
    { parent },
  );
}
