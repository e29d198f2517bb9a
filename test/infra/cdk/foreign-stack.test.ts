/**
 * A team imports the construct into its own stack, with its existing VPC, cluster, certificate and image:
 * nothing of those is created, the service uses them, and the validators still pass.
 */
import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
// The package entry point (`remote-mcp-stacks/cdk` once built).
import { McpFargateService, addComplianceChecks } from '../../../infra/cdk';
import { container, ISSUER, newApp, onlyResource, repoContext } from './helpers';

/** The team's certificate, in the stack's region (an ALB takes only certificates of its own region). */
const TEAM_CERT_ARN = 'arn:aws:acm:eu-central-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

class TeamStack extends Stack {
  public readonly mcp: McpFargateService;
  public readonly vpc: ec2.IVpc;

  constructor(app: App) {
    super(app, 'TeamStack', { env: { account: '123456789012', region: 'eu-central-1' } });
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-central-1a', 'eu-central-1b'],
      publicSubnetIds: ['subnet-0a1a1a1a1a1a1a1a1', 'subnet-0b1b1b1b1b1b1b1b1'],
      privateSubnetIds: ['subnet-0a2a2a2a2a2a2a2a2', 'subnet-0b2b2b2b2b2b2b2b2'],
      publicSubnetRouteTableIds: ['rtb-0a1a1a1a1a1a1a1a1', 'rtb-0b1b1b1b1b1b1b1b1'],
      privateSubnetRouteTableIds: ['rtb-0a2a2a2a2a2a2a2a2', 'rtb-0b2b2b2b2b2b2b2b2'],
    });
    const cluster = ecs.Cluster.fromClusterAttributes(this, 'Cluster', { clusterName: 'team-cluster', vpc: this.vpc });
    const repository = ecr.Repository.fromRepositoryName(this, 'Repo', 'team/mcp-server');
    this.mcp = new McpFargateService(this, 'Mcp', {
      vpc: this.vpc,
      cluster,
      certificate: acm.Certificate.fromCertificateArn(this, 'Cert', TEAM_CERT_ARN),
      image: ecs.ContainerImage.fromEcrRepository(repository, 'v1.2.3'),
      domainName: 'mcp.team.example.com',
      serverSettings: { oauthIssuer: ISSUER, oauthScopes: ['mcp'] },
    });
  }
}

describe('McpFargateService in a foreign stack', () => {
  const app = newApp({ context: repoContext() });
  const stack = new TeamStack(app);
  const template = Template.fromStack(stack);

  test('creates no VPC, cluster or certificate', () => {
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::NatGateway',
      'AWS::ECS::Cluster',
      'AWS::CertificateManager::Certificate',
    ]) {
      template.resourceCountIs(type, 0);
    }
  });

  test('runs in the given cluster and subnets, behind a load balancer in the public subnets', () => {
    const svc = onlyResource(template, 'AWS::ECS::Service').Properties;
    expect(svc.Cluster).toBe('team-cluster');
    expect(svc.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual([
      'subnet-0a2a2a2a2a2a2a2a2',
      'subnet-0b2b2b2b2b2b2b2b2',
    ]);
    expect(onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.Subnets).toEqual([
      'subnet-0a1a1a1a1a1a1a1a1',
      'subnet-0b1b1b1b1b1b1b1b1',
    ]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: TEAM_CERT_ARN }],
    });
    expect(stack.mcp.vpc).toBe(stack.vpc);
  });

  test('runs the team image, which the execution role may pull (and only that repository)', () => {
    expect(JSON.stringify(container(template).Image)).toContain('team/mcp-server:v1.2.3');
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as any[],
    );
    const pull = statements.find((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
    expect(JSON.stringify(pull.Resource)).toContain(':repository/team/mcp-server');
    expect(statements.find((s) => s.Resource === '*')?.Action).toBe('ecr:GetAuthorizationToken');
  });

  test('uses the team domain for the URL', () => {
    expect(stack.mcp.url).toBe('https://mcp.team.example.com/mcp');
  });

  test('passes cdk-nag and cfn-guard with only the construct’s own acknowledgements', () => {
    const checked = newApp({ context: repoContext() });
    new TeamStack(checked);
    addComplianceChecks(checked);
    expect(() => checked.synth()).not.toThrow();
  });
});
