/**
 * The upstream identity provider of broker mode, when the construct creates it (`broker: { cognito: … }`): an Amazon
 * Cognito user pool that only an administrator adds users to, its Cognito-hosted sign-in domain, and one confidential
 * app client for the server — authorization-code grant only, scopes openid/email/profile, and the one redirect URI the
 * server's contract names (`<origin>/oauth/callback`).
 *
 * The app client's secret reaches the tasks only as an ECS secret, from a Secrets Manager secret of its own. Cognito
 * generates that secret and CloudFormation cannot read it from the client resource: `userPoolClientSecret` is the
 * attribute of a CDK custom resource (`DescribeUserPoolClient`, response data hidden from its logs). So the template
 * holds a `Fn::GetAtt` of that custom resource, never the value, and CloudFormation writes the value into the secret
 * at deploy time.
 */
import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULTS, ENV, PATHS } from '../../server/config/contract';
import { upstreamCallbackUrlOf } from '../shared/broker';

/** The ID-token claim in which Cognito lists a user's groups (the server's `BROKER_GROUPS_CLAIM`). */
export const COGNITO_GROUPS_CLAIM = 'cognito:groups';

/** Scopes a Cognito app client may allow without a resource server of its own. */
export const COGNITO_STANDARD_SCOPES: readonly string[] = [
  'openid',
  'email',
  'phone',
  'profile',
  'aws.cognito.signin.user.admin',
];

/** Password policy of the created pool (AwsSolutions-COG1 asks for 8+ characters with upper case, digits, symbols). */
export const COGNITO_PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
  tempPasswordValidity: Duration.days(3),
} as const;

/** Options of the Cognito user pool the construct creates as the broker's upstream provider. */
export interface McpCognitoUpstreamOptions {
  /**
   * Prefix of the Cognito-hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`: lowercase letters,
   * digits and hyphens, unique in the region across all AWS accounts, without `aws`, `amazon` or `cognito`.
   * @default - `mcp-` and the first 8 hex digits of the stack's id (unique per stack, known only at deploy)
   */
  readonly domainPrefix?: string;
  /**
   * Multi-factor authentication. REQUIRED asks every user to enrol an authenticator app (TOTP) at first sign-in.
   * @default cognito.Mfa.REQUIRED
   */
  readonly mfa?: cognito.Mfa;
  /**
   * Feature plan of the pool. PLUS (billed per monthly active user) adds threat protection, which the construct then
   * turns on in full-function mode (risky sign-ins blocked, compromised passwords refused).
   * @default cognito.FeaturePlan.ESSENTIALS
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * What happens to the pool (its user accounts) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface McpCognitoUpstreamProps extends McpCognitoUpstreamOptions {
  /** The redirect URI of the server: `<origin of the MCP URL>/oauth/callback` (`PATHS.upstreamCallback`). */
  readonly callbackUrl: string;
  /**
   * Scopes the server asks for (`upstreamScopes`); each must be a standard Cognito scope.
   * @default DEFAULTS.upstreamScopes (openid, email, profile)
   */
  readonly scopes?: readonly string[];
  /**
   * Encrypts the log group of CDK's custom-resource function that reads the client secret (its policy must let
   * CloudWatch Logs use it).
   * @default - the log group is not encrypted with a customer-managed key
   */
  readonly logsEncryptionKey?: kms.IKey;
}

/** A Cognito user pool, domain and confidential app client for the server's broker, and the client secret's secret. */
export class McpCognitoUpstream extends Construct {
  public readonly userPool: cognito.UserPool;
  /** The Cognito-hosted sign-in domain (its prefix is `domainPrefix`). */
  public readonly userPoolDomain: cognito.UserPoolDomain;
  /** The server's confidential app client: authorization-code grant only, one callback URL. */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** `UPSTREAM_CLIENT_SECRET`: the app client's secret as the whole secret string; the tasks read only this. */
  public readonly clientSecret: secretsmanager.Secret;
  /** `UPSTREAM_ISSUER`: `https://cognito-idp.<region>.amazonaws.com/<user pool id>`. */
  public readonly issuer: string;
  /** `UPSTREAM_CLIENT_ID`: the app client's id. */
  public readonly clientId: string;
  /** The redirect URI registered on the client. */
  public readonly callbackUrl: string;
  /** `BROKER_GROUPS_CLAIM` for this provider. */
  public readonly groupsClaim = COGNITO_GROUPS_CLAIM;

  constructor(scope: Construct, id: string, props: McpCognitoUpstreamProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.ESSENTIALS;
    this.callbackUrl = props.callbackUrl;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Users sign in to reach one team's MCP server: an administrator adds them (aws cognito-idp admin-create-user).
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: { ...COGNITO_PASSWORD_POLICY },
      mfa: props.mfa ?? cognito.Mfa.REQUIRED,
      // Authenticator apps only: SMS needs an SNS role and a spend limit, e-mail MFA needs SES.
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan,
      ...(featurePlan === cognito.FeaturePlan.PLUS
        ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // The default prefix must be unique in the region across every account: the first group of the stack id's UUID
    // (arn:…:stack/<name>/<uuid>) differs per stack and tells nothing about the account.
    const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
    const domainPrefix = props.domainPrefix ?? Fn.join('', ['mcp-', Fn.select(0, Fn.split('-', stackUuid))]);
    this.userPoolDomain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });

    const scopes = (props.scopes ?? DEFAULTS.upstreamScopes).map((s) => cognito.OAuthScope.custom(s));
    this.userPoolClient = this.userPool.addClient('Client', {
      generateSecret: true,
      oAuth: {
        // The server is a confidential client with PKCE: code grant only, never tokens in the URL.
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes,
        callbackUrls: [props.callbackUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      // The hosted sign-in page only (SRP, never a password sent to the server); no custom authentication flow.
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // The server reads the ID token once, at sign-in, and issues its own tokens: Cognito's refresh token is not used.
      refreshTokenValidity: Duration.hours(1),
    });

    this.clientSecret = new secretsmanager.Secret(this, 'ClientSecret', {
      description: `${ENV.upstreamClientSecret} of the MCP server: the secret of its Cognito app client; ECS injects it at task start`,
      // A Fn::GetAtt of CDK's DescribeUserPoolClient custom resource, resolved by CloudFormation at deploy: the
      // template and the cloud assembly never hold the value.
      secretStringValue: this.userPoolClient.userPoolClientSecret,
    });

    // That custom resource runs CDK's shared AwsCustomResource function (one per stack); its logs hide the response
    // data, and their log group is encrypted like the service's own.
    const logGroup = awsCustomResourceFunction(stack)?.node.tryFindChild('LogGroup')?.node.defaultChild as
      logs.CfnLogGroup | undefined;
    if (logGroup && props.logsEncryptionKey) logGroup.kmsKeyId = props.logsEncryptionKey.keyArn;

    this.clientId = this.userPoolClient.userPoolClientId;
    this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
  }
}

/** CDK's singleton function behind every `AwsCustomResource` of a stack, if the stack has one. */
export function awsCustomResourceFunction(stack: Stack): IConstruct | undefined {
  return stack.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
}

/** `<origin of url>/oauth/callback`: the origin from the URL itself, or, for a token, by CloudFormation. */
export function upstreamCallbackUrl(url: string): string {
  if (!Token.isUnresolved(url)) return upstreamCallbackUrlOf(url);
  // https://<host>[/…]: the host is the third '/'-separated part (the URL is always https here).
  return Fn.join('', ['https://', Fn.select(2, Fn.split('/', url)), PATHS.upstreamCallback]);
}
