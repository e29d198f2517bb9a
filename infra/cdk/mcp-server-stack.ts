/**
 * `McpServerStack`: one `McpFargateService` and the outputs a person needs to connect a client to it.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '../../server/config/contract';
import { addClientConfigOutputs, clientAuthOf, isValidClientName } from './client-config';
import { McpFargateService } from './mcp-fargate-service';
import type { McpFargateServiceProps } from './mcp-fargate-service-props';
import { McpConfigError } from './resolve-props';

export interface McpServerStackProps extends StackProps {
  /**
   * Properties of the service, or a function of the stack that returns them (to import resources, such as a
   * certificate by ARN, into the stack).
   */
  readonly service: McpFargateServiceProps | ((stack: Stack) => McpFargateServiceProps);
  /**
   * The server's name in the client configuration outputs.
   * @default 'remote-mcp'
   */
  readonly clientName?: string;
}

export class McpServerStack extends Stack {
  public readonly mcp: McpFargateService;

  constructor(scope: Construct, id: string, props: McpServerStackProps) {
    super(scope, id, props);
    const name = props.clientName ?? 'remote-mcp';
    if (!isValidClientName(name)) {
      throw new McpConfigError(`clientName must be 1–64 letters, digits, '-' or '_', got '${name}'`);
    }
    const serviceProps = typeof props.service === 'function' ? props.service(this) : props.service;
    this.mcp = new McpFargateService(this, 'Mcp', serviceProps);

    new CfnOutput(this, 'McpUrl', { value: this.mcp.url, description: 'The MCP URL clients add' });
    addClientConfigOutputs(this, name, this.mcp.url, clientAuthOf(this.mcp.serverSettings.authMode));
    new CfnOutput(this, 'SecretArn', {
      value: this.mcp.secret.secretArn,
      description:
        'Secret whose JSON fields become the server secret variables; force a new deployment after changing it',
    });
    if (this.mcp.requestStateKeysSecret) {
      new CfnOutput(this, 'RequestStateKeysSecretArn', {
        value: this.mcp.requestStateKeysSecret.secretArn,
        description: `Secret whose whole value is ${ENV.requestStateKeys}; to rotate, put <new>,<old> in it and force a new deployment`,
      });
    }
    if (this.mcp.upstreamCallbackUrl) {
      new CfnOutput(this, 'UpstreamCallbackUrl', {
        value: this.mcp.upstreamCallbackUrl,
        description:
          'Broker mode: the redirect URI to register on the upstream OAuth client (a created Cognito client has it)',
      });
    }
    if (this.mcp.cognito) {
      new CfnOutput(this, 'CognitoUserPoolId', {
        value: this.mcp.cognito.userPool.userPoolId,
        description:
          'Broker mode: the user pool to add users to (aws cognito-idp admin-create-user --user-pool-id ...)',
      });
      new CfnOutput(this, 'UpstreamIssuer', {
        value: this.mcp.cognito.issuer,
        description: 'Broker mode: the Cognito issuer the server signs users in with',
      });
    }
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.mcp.loadBalancer.loadBalancerDnsName,
      description: 'Point your domain here (CNAME or alias) when no hosted zone is managed by the stack',
    });
    new CfnOutput(this, 'ClusterName', { value: this.mcp.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.mcp.service.serviceName });
  }
}
