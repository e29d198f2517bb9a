/**
 * The resources `McpFargateService` creates when they are not given: the logs key, the VPC, the access-log
 * bucket and the secret. Each is created in the service's scope (same construct ids, same logical ids).
 */
import { Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, type EnvName } from '../../server/config/contract';

/** A rotating customer-managed key that only CloudWatch Logs (this account and region) may use. */
export function createLogsKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'LogsKey', {
    description: 'Encrypts the MCP service log groups',
    enableKeyRotation: true,
    // Retained logs stay readable only while their key exists.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
  // Grants on the key only for AWS services acting on AWS resources (nobody else needs one).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  return key;
}

/** Two AZs, public subnets for the ALB and NAT gateways, private subnets with egress for the tasks, flow logs. */
export function createVpc(
  scope: Construct,
  opts: { natGateways: number; retention: logs.RetentionDays; key: kms.IKey },
): ec2.Vpc {
  const flowLogs = new logs.LogGroup(scope, 'FlowLogs', {
    retention: opts.retention,
    encryptionKey: opts.key,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new ec2.Vpc(scope, 'Vpc', {
    // Two AZs from the stack's region without a lookup (Fn::GetAZs), so synth needs no credentials.
    maxAzs: 2,
    natGateways: opts.natGateways,
    subnetConfiguration: [
      // Only the ALB and the NAT gateways (Elastic IPs) live here: nothing needs an automatic public IP.
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
    flowLogs: {
      all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL },
    },
  });
}

/** The ALB access-log bucket: SSE-S3 (the only encryption ALB log delivery supports), TLS-only, private, expiring. */
export function createAccessLogsBucket(scope: Construct, retentionDays: number): s3.Bucket {
  return new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [
      {
        expiration: Duration.days(retentionDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    // Access logs are audit records: they outlive the stack.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * The secret holding the injected fields. Token mode: one generated bearer token (no punctuation, so never a
 * comma of the list format). OAuth mode: the client secret is issued by the authorization server, so its field
 * starts empty (the server treats an empty value as unset).
 */
export function createSecret(scope: Construct, fields: EnvName[]): secretsmanager.Secret {
  const description = `Secret variables of the MCP server (${fields.join(', ')}); ECS injects them at task start`;
  if (fields.includes(ENV.bearerTokens)) {
    const others = Object.fromEntries(fields.filter((f) => f !== ENV.bearerTokens).map((f) => [f, '']));
    return new secretsmanager.Secret(scope, 'Secret', {
      description,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(others),
        generateStringKey: ENV.bearerTokens,
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
  }
  return new secretsmanager.Secret(scope, 'Secret', {
    description,
    secretObjectValue: Object.fromEntries(fields.map((f) => [f, SecretValue.unsafePlainText('')])),
  });
}

/**
 * The 2026-07-28 `requestState` keys: one generated key as the whole secret string. Letters and digits only (never
 * the list's comma), 64 of them: twice the 32 bytes the server requires.
 */
export function createRequestStateKeysSecret(scope: Construct): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, 'RequestStateKeys', {
    description: `${ENV.requestStateKeys} of the MCP server (HMAC keys of 2026-07-28 requestState, the first signs); ECS injects it at task start`,
    generateSecretString: { excludePunctuation: true, includeSpace: false, passwordLength: 64 },
  });
}
