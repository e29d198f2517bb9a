/**
 * Every finding the validators (cdk-nag AwsSolutions, cfn-guard Control Tower rules) raised on this construct,
 * and how each was resolved: fixed in the construct, or acknowledged on the one resource it concerns with
 * the reason it is intended. docs/cdk.md carries the same table; a test keeps the two in step.
 *
 * Acknowledgements use CDK's `Validations.of(construct).acknowledge()`, which both validators honour, so each
 * is scoped to one resource: the same rule still fails on any other resource.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnUserPool } from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { awsCustomResourceFunction, type McpCognitoUpstream } from './cognito-upstream';
import { McpServerlessSessionStore, type McpSessionStore } from './session-store';

/**
 * What the acknowledgements are scoped to: the parts of `McpFargateService` they read, by their types (so this module
 * does not import the construct, which imports it to acknowledge its findings: no import circle).
 */
export interface FindingTarget extends IConstruct {
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly secret: secretsmanager.ISecret;
  readonly requestStateKeysSecret?: secretsmanager.ISecret;
  readonly sessionStore?: McpSessionStore;
  readonly accessLogsBucket: s3.IBucket;
  readonly cognito?: McpCognitoUpstream;
}

export type Validator = 'cdk-nag' | 'cfn-guard';

export interface Finding {
  readonly validator: Validator;
  /** The rule as the report names it (cdk-nag id, or the Control Tower control of a guard rule). */
  readonly rule: string;
  /** What was flagged. */
  readonly resource: string;
  readonly resolution: 'fixed' | 'acknowledged';
  /** The fix, or why the finding is intended. */
  readonly how: string;
  /** For acknowledgements: the id the validation report gives, and the construct it is scoped to. */
  readonly ack?: {
    readonly id: string;
    readonly on: (svc: FindingTarget, ctx: FindingContext) => IConstruct | undefined;
  };
}

/** What the construct created itself (only its own resources are acknowledged). */
export interface FindingContext {
  readonly createdSecret: boolean;
  readonly createdBucket: boolean;
  readonly deletionProtection: boolean;
  /** The construct created the session store (an ElastiCache Serverless cache and its secrets). */
  readonly createdSessionStore: boolean;
  /** The construct created the broker's Cognito user pool (`broker.cognito`). */
  readonly createdCognito: boolean;
  /** `telemetry` is on: the ADOT collector sidecar writes traces to X-Ray. */
  readonly telemetry: boolean;
  /** The construct created the `MCP_REQUEST_STATE_KEYS` secret. */
  readonly createdRequestStateKeys: boolean;
}

const NAG = 'AwsSolutions::';
const GUARD = 'cdk-validator-cfnguard::';
/** The managed policy of CDK's AwsCustomResource function, as cdk-nag names it. */
const LAMBDA_BASIC_EXECUTION_POLICY = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

export const FINDINGS: readonly Finding[] = [
  // ------------------------------------------------------------------ fixed
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-VPC7',
    resource: 'VPC',
    resolution: 'fixed',
    how: 'VPC flow logs (all traffic) to an encrypted CloudWatch log group',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-ELB2',
    resource: 'Load balancer',
    resolution: 'fixed',
    how: 'Access logs to an SSE-S3, TLS-only, private S3 bucket with a lifecycle rule',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-ECS4',
    resource: 'ECS cluster',
    resolution: 'fixed',
    how: 'Container Insights enabled',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-ECS7',
    resource: 'Task definition',
    resolution: 'fixed',
    how: 'awslogs driver to a CloudWatch log group with retention',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-KMS5',
    resource: 'Logs KMS key',
    resolution: 'fixed',
    how: 'Key rotation enabled on the log-encryption key',
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.CLOUDWATCH.PR.2',
    resource: 'Log groups (service, flow logs)',
    resolution: 'fixed',
    how: 'Retention defaults to one year (`logRetention`)',
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.CLOUDWATCH.PR.3',
    resource: 'Log groups (service, flow logs, the Cognito client-secret custom resource)',
    resolution: 'fixed',
    how: 'Encrypted with a customer-managed KMS key with rotation (`logsEncryptionKey`)',
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.EC2.PR.11',
    resource: 'Public subnets',
    resolution: 'fixed',
    how: 'No public IPs assigned on launch: only the ALB and the NAT gateways (Elastic IPs) live there',
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.KMS.PR.3',
    resource: 'Logs KMS key',
    resolution: 'fixed',
    how: 'Key policy denies kms:CreateGrant unless the grant is for an AWS resource or made by an AWS service',
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.ECS.PR.7',
    resource: 'Task definition',
    resolution: 'fixed',
    how: 'Container memory hard limit set to the task memory',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-COG1',
    resource: 'Cognito user pool (broker)',
    resolution: 'fixed',
    how:
      'Passwords of at least 12 characters with lower and upper case letters, digits and symbols; temporary ' +
      'passwords expire after 3 days',
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-COG2',
    resource: 'Cognito user pool (broker)',
    resolution: 'fixed',
    how: 'MFA required, with an authenticator app (TOTP); `broker.cognito.mfa` changes it',
  },

  // ------------------------------------------------------------------ acknowledged
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-EC23',
    resource: 'Load balancer security group',
    resolution: 'acknowledged',
    how:
      'An internet-facing MCP endpoint: 443 (and 80, which only redirects to 443) must be open to any client; tasks ' +
      'accept traffic only from this group',
    ack: { id: `${NAG}AwsSolutions-EC23`, on: (s) => s.loadBalancerSecurityGroup },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-ECS2',
    resource: 'Task definition',
    resolution: 'acknowledged',
    how:
      'Environment holds only the non-secret server settings (contract names); the secret variables are ECS secrets ' +
      'from Secrets Manager',
    ack: { id: `${NAG}AwsSolutions-ECS2`, on: (s) => s.taskDefinition },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: 'Task execution role policy',
    resolution: 'acknowledged',
    how:
      'ecr:GetAuthorizationToken has no resource-level permissions (AWS requires "*"); the image pull actions are ' +
      'scoped to the repository',
    ack: { id: `${NAG}AwsSolutions-IAM5[Resource::*]`, on: (s) => s.taskDefinition.executionRole },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: 'Task role policy (telemetry)',
    resolution: 'acknowledged',
    how:
      'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions (AWS requires "*"); ' +
      "the collector's metrics go to one log group, named in the same policy",
    ack: {
      id: `${NAG}AwsSolutions-IAM5[Resource::*]`,
      on: (s, c) => (c.telemetry ? s.taskDefinition.taskRole : undefined),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-SMG4',
    resource: 'Created secret',
    resolution: 'acknowledged',
    how:
      'The OAuth client secrets are issued by the (upstream) authorization server, bearer tokens are handed to ' +
      'clients, and broker signing keys must stay published while their tokens live: none can rotate unattended. ' +
      'Rotate by hand (docs/cdk.md), then force a new deployment',
    ack: { id: `${NAG}AwsSolutions-SMG4`, on: (s, c) => (c.createdSecret ? s.secret : undefined) },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-SMG4',
    resource: 'Request-state keys secret',
    resolution: 'acknowledged',
    how:
      'A rotation Lambda would replace the value, while a safe rotation adds the new key beside the old one ' +
      '(`<new>,<old>`, so that requestState signed before still verifies) and then needs a new deployment (ECS ' +
      'reads the secret at task start). Rotate by hand (docs/cdk.md)',
    ack: {
      id: `${NAG}AwsSolutions-SMG4`,
      on: (s, c) => (c.createdRequestStateKeys ? s.requestStateKeysSecret : undefined),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-SMG4',
    resource: 'Session store password secret',
    resolution: 'acknowledged',
    how:
      'CloudFormation sets the password on the ElastiCache user and in the URL secret at deploy; a rotation ' +
      'function would have to update both and restart the tasks. The cache is reachable only from the tasks, which ' +
      'read only the URL secret',
    ack: {
      id: `${NAG}AwsSolutions-SMG4`,
      on: (s, c) => (c.createdSessionStore ? storeOf(s)?.passwordSecret : undefined),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-SMG4',
    resource: 'Session store URL secret',
    resolution: 'acknowledged',
    how: 'Derived from the password secret and the cache endpoint by CloudFormation; it changes with them, on deploy',
    ack: {
      id: `${NAG}AwsSolutions-SMG4`,
      on: (s, c) => (c.createdSessionStore ? storeOf(s)?.redisUrlSecret : undefined),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-S1',
    resource: 'Access-log bucket',
    resolution: 'acknowledged',
    how: 'It is the log bucket itself; logging its own access would need another log bucket, and so on',
    ack: { id: `${NAG}AwsSolutions-S1`, on: (s, c) => (c.createdBucket ? s.accessLogsBucket : undefined) },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.S3.PR.2',
    resource: 'Access-log bucket',
    resolution: 'acknowledged',
    how: 'Same as AwsSolutions-S1: it is the log bucket itself',
    ack: {
      id: `${GUARD}s3_bucket_logging_enabled_check`,
      on: (s, c) => (c.createdBucket ? s.accessLogsBucket : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.S3.PR.10',
    resource: 'Access-log bucket',
    resolution: 'acknowledged',
    how: 'ALB access logs can only be delivered to SSE-S3 buckets, not SSE-KMS',
    ack: {
      id: `${GUARD}s3_bucket_default_encryption_kms_check`,
      on: (s, c) => (c.createdBucket ? s.accessLogsBucket : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.S3.PR.4',
    resource: 'Access-log bucket',
    resolution: 'acknowledged',
    how: 'Nothing consumes log-delivery events; enable notifications on your own `accessLogsBucket` to process logs',
    ack: {
      id: `${GUARD}s3_event_notifications_enabled_check`,
      on: (s, c) => (c.createdBucket ? s.accessLogsBucket : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.S3.PR.9',
    resource: 'Access-log bucket',
    resolution: 'acknowledged',
    how:
      'Access logs are operational records expired by the lifecycle rule (versioned, private, TLS-only); pass an ' +
      'Object Lock bucket as `accessLogsBucket` where WORM retention is required',
    ack: {
      id: `${GUARD}s3_bucket_object_lock_enabled_check`,
      on: (s, c) => (c.createdBucket ? s.accessLogsBucket : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.ELASTICLOADBALANCING.PR.5',
    resource: 'Load balancer',
    resolution: 'acknowledged',
    how:
      'Deletion protection is off by default so that `cdk destroy` works; the ALB holds no data and `domainName` ' +
      'keeps the URL stable across re-creation. Set `deletionProtection: true` in production',
    ack: {
      id: `${GUARD}elbv2_deletion_protection_enabled_check`,
      on: (s, c) => (c.deletionProtection ? undefined : s.loadBalancer),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-COG8',
    resource: 'Cognito user pool (broker)',
    resolution: 'acknowledged',
    how:
      'The Essentials plan: the Plus plan (threat protection) is billed per monthly active user, and the pool ' +
      'already requires MFA and admits only users an administrator creates. Set `broker.cognito.featurePlan: ' +
      'FeaturePlan.PLUS` to turn threat protection on (full-function mode)',
    ack: {
      id: `${NAG}AwsSolutions-COG8`,
      on: (s, c) => (c.createdCognito && !isPlus(s) ? s.cognito?.userPool : undefined),
    },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-SMG4',
    resource: 'Cognito app client secret',
    resolution: 'acknowledged',
    how:
      'Cognito generates the app client secret and CloudFormation copies it at deploy; it changes only with the ' +
      'client. Replace the client (or rotate in Cognito) and deploy again',
    ack: { id: `${NAG}AwsSolutions-SMG4`, on: (s, c) => (c.createdCognito ? s.cognito?.clientSecret : undefined) },
  },
  {
    validator: 'cdk-nag',
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    resource: 'CDK custom resource that reads the Cognito client secret',
    resolution: 'acknowledged',
    how:
      "CDK's AwsCustomResource function (`userPoolClientSecret`); the managed policy lets it write its own logs " +
      'only, and its one other permission is cognito-idp:DescribeUserPoolClient on the pool',
    ack: {
      id: `${NAG}AwsSolutions-IAM4[Policy::${LAMBDA_BASIC_EXECUTION_POLICY}]`,
      on: (s, c) => (c.createdCognito ? awsCustomResourceFunction(Stack.of(s)) : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.LAMBDA.PR.3',
    resource: 'CDK custom resource that reads the Cognito client secret',
    resolution: 'acknowledged',
    how:
      'A CDK-provided deploy-time function that only calls the Cognito API (its response data hidden from its ' +
      'logs); it handles no traffic, so a VPC adds nothing',
    ack: {
      id: `${GUARD}lambda_inside_vpc_check`,
      on: (s, c) => (c.createdCognito ? awsCustomResourceFunction(Stack.of(s)) : undefined),
    },
  },
  {
    validator: 'cfn-guard',
    rule: 'CT.LAMBDA.PR.3',
    resource: 'CDK custom resource that strips the default security group',
    resolution: 'acknowledged',
    how:
      'A CDK-provided deploy-time function (feature flag restrictDefaultSecurityGroup) that only calls the EC2 API; ' +
      'it handles no traffic or data, so a VPC adds nothing',
    ack: {
      id: `${GUARD}lambda_inside_vpc_check`,
      on: (s) => Stack.of(s).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider'),
    },
  },
];

function isPlus(svc: FindingTarget): boolean {
  return (svc.cognito?.userPool.node.defaultChild as CfnUserPool | undefined)?.userPoolTier === 'PLUS';
}

function storeOf(svc: FindingTarget): McpServerlessSessionStore | undefined {
  return svc.sessionStore instanceof McpServerlessSessionStore ? svc.sessionStore : undefined;
}

/** Records each acknowledgement, with its reason, on the resource it concerns. */
export function acknowledgeServiceFindings(svc: FindingTarget, ctx: FindingContext): void {
  for (const f of FINDINGS) {
    const target = f.ack?.on(svc, ctx);
    if (f.ack && target) Validations.of(target).acknowledge({ id: f.ack.id, reason: `${f.rule}: ${f.how}` });
  }
}
