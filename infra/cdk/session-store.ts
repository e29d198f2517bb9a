/**
 * The shared session store of `McpFargateService` (`sessionStore`): with it, stateful sessions live in Valkey and
 * any task serves any session. Created: an ElastiCache Serverless cache for Valkey in the tasks' private subnets,
 * reachable only from the tasks' security group, with a generated password (ElastiCache RBAC); ECS injects its URL
 * as the secret variable `REDIS_URL`. Existing: only the URL secret is injected.
 *
 * The password never appears in the template: Secrets Manager generates it, and CloudFormation resolves it at deploy
 * time where it is needed — the ElastiCache user's password, and the URL secret — through
 * `{{resolve:secretsmanager:…}}` dynamic references. The tasks read only the URL secret.
 */
import { Names, SecretValue, Token, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, REDIS, redisUrl } from '../../server/config/contract';
import { ELASTICACHE_SESSION_STORE } from '../shared/fargate';

/** What the service knows of its session store, created or existing. */
export interface McpSessionStore {
  /** The secret ECS injects as `REDIS_URL`. */
  readonly redisUrlSecret: secretsmanager.ISecret;
  /** Its JSON field holding the URL, or undefined when the whole secret string is the URL. */
  readonly redisUrlField?: string;
  /** The created cache (not set for an existing store). */
  readonly cache?: elasticache.CfnServerlessCache;
  /** The created cache's security group: TCP 6379 from the tasks' security group, nothing else. */
  readonly securityGroup?: ec2.SecurityGroup;
}

export interface McpServerlessSessionStoreProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the cache: 2 or 3, in different Availability Zones (the tasks' private subnets). */
  readonly subnets: ec2.ISubnet[];
  /** The tasks' security group: the only source the cache accepts. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly maxDataStorageGB?: number;
  readonly maxEcpuPerSecond?: number;
  readonly encryptionKey?: kms.IKey;
}

/** Valkey major version of the created cache (`infra/shared/fargate.ts`). */
export const SESSION_STORE_ENGINE = {
  engine: ELASTICACHE_SESSION_STORE.engine,
  majorVersion: ELASTICACHE_SESSION_STORE.majorEngineVersion,
} as const;

/** ACL of the cache's one user (`infra/shared/fargate.ts`: every key, channel and command of this cache). */
export const SESSION_STORE_ACCESS_STRING = ELASTICACHE_SESSION_STORE.accessString;

/** A name ElastiCache accepts for a cache, user or user group: lowercase letters, digits, single hyphens, ≤ 40. */
function elastiCacheName(scope: Construct): string {
  const maxLength = ELASTICACHE_SESSION_STORE.nameMaxLength;
  const name = Names.uniqueResourceName(scope, { maxLength, separator: '-', allowedSpecialCharacters: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-$/, '');
  return name.slice(0, maxLength).replace(/-$/, '');
}

/** An ElastiCache Serverless cache for Valkey that only the service's tasks can reach, and its `REDIS_URL` secret. */
export class McpServerlessSessionStore extends Construct implements McpSessionStore {
  public readonly cache: elasticache.CfnServerlessCache;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The cache's one user, named `default` (the name every RBAC user group must contain), password required. */
  public readonly user: elasticache.CfnUser;
  public readonly userGroup: elasticache.CfnUserGroup;
  /** The generated password (`{"username":"default","password":…}`); read by CloudFormation only, not by the tasks. */
  public readonly passwordSecret: secretsmanager.Secret;
  /** `REDIS_URL` (`rediss://:<password>@<endpoint>:6379`) as the whole secret string; the tasks read only this. */
  public readonly redisUrlSecret: secretsmanager.Secret;
  public readonly redisUrlField = undefined;

  constructor(scope: Construct, id: string, props: McpServerlessSessionStoreProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MCP session store: Valkey (6379) from the MCP tasks only',
      allowAllOutbound: false,
    });
    // Ingress on the cache's group and egress on the tasks' group (which otherwise allows only 443 out).
    this.securityGroup.connections.allowFrom(
      props.clientSecurityGroup,
      ec2.Port.tcp(REDIS.port),
      'MCP tasks to the session store',
    );

    // Alphanumeric: ElastiCache refuses some punctuation in passwords, and the URL needs no encoding.
    this.passwordSecret = new secretsmanager.Secret(this, 'Password', {
      description:
        'Password of the MCP session store (ElastiCache user "default"); CloudFormation reads it, the tasks do not',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: ELASTICACHE_SESSION_STORE.userName }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 64,
      },
    });
    // `{{resolve:secretsmanager:<arn>:SecretString:password::}}`: a reference, resolved by CloudFormation at deploy.
    const password = this.passwordSecret.secretValueFromJson('password').unsafeUnwrap();

    // RBAC is the only access control of a serverless cache, and every user group must hold a user named `default`:
    // the one user is that `default` user, with a password, so no connection gets anything without it.
    this.user = new elasticache.CfnUser(this, 'User', {
      engine: SESSION_STORE_ENGINE.engine,
      userId: elastiCacheName(this),
      userName: ELASTICACHE_SESSION_STORE.userName,
      accessString: SESSION_STORE_ACCESS_STRING,
      authenticationMode: { Type: 'password', Passwords: [password] },
    });
    this.userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: SESSION_STORE_ENGINE.engine,
      userGroupId: elastiCacheName(this),
      userIds: [this.user.ref],
    });

    const limits =
      props.maxDataStorageGB !== undefined || props.maxEcpuPerSecond !== undefined
        ? {
            dataStorage:
              props.maxDataStorageGB !== undefined ? { maximum: props.maxDataStorageGB, unit: 'GB' } : undefined,
            ecpuPerSecond: props.maxEcpuPerSecond !== undefined ? { maximum: props.maxEcpuPerSecond } : undefined,
          }
        : undefined;
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: elastiCacheName(this),
      description: 'MCP stateful sessions, shared by the tasks of the service',
      engine: SESSION_STORE_ENGINE.engine,
      majorEngineVersion: SESSION_STORE_ENGINE.majorVersion,
      subnetIds: props.subnets.map((s) => s.subnetId),
      securityGroupIds: [this.securityGroup.securityGroupId],
      userGroupId: this.userGroup.ref,
      kmsKeyId: props.encryptionKey?.keyArn,
      cacheUsageLimits: limits,
      // Sessions are short-lived and re-created by clients: no snapshots to keep.
    });

    // The contract's own URL format, with the password left as a dynamic reference: the URL secret's string is a
    // Fn::Join of the endpoint and that reference, so the template holds no password, and CloudFormation resolves it
    // when it writes the secret. (A marker stands in for the password because `redisUrl` URL-encodes it, which would
    // mangle a token; the generated password is alphanumeric and needs no encoding.)
    const marker = 'sessionstorepasswordmarker';
    const [before, after] = redisUrl(this.cache.attrEndpointAddress, {
      password: marker,
      port: REDIS.port,
      tls: true,
    }).split(marker);
    this.redisUrlSecret = new secretsmanager.Secret(this, 'RedisUrl', {
      description:
        `${ENV.redisUrl} of the MCP server: the session store's TLS URL with its password; ECS injects it at task ` +
        `start`,
      // unsafePlainText only wraps the string: what it holds is the endpoint and a dynamic reference, no secret.
      secretStringValue: SecretValue.unsafePlainText(Fn.join('', [before!, password, after!])),
    });
  }
}

/** The subnets of the cache: one per Availability Zone of the tasks' subnets, at most 3. */
export function sessionStoreSubnets(vpc: ec2.IVpc, taskSubnets: ec2.SubnetSelection): ec2.ISubnet[] {
  return vpc.selectSubnets({ ...taskSubnets, onePerAz: true }).subnets.slice(0, 3);
}

/** True when the AZs of the subnets are known at synth and fewer than two differ. */
export function tooFewAzs(subnets: ec2.ISubnet[]): boolean {
  const azs = subnets.map((s) => s.availabilityZone);
  if (azs.some((az) => Token.isUnresolved(az))) return subnets.length < 2;
  return new Set(azs).size < 2;
}
