/**
 * McpFargateService without a network: it creates one of the same shape as the CDK construct's default VPC (two AZs,
 * public and private subnets, NAT gateways, flow logs), and the service runs in it. A given network is still used.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { createVpc } from '../../../infra/cdk/supporting-resources';
import { newApp } from '../cdk/helpers';
import {
  AWS_ACCOUNT,
  AWS_AZS,
  AWS_REGION,
  configErrorOf,
  parentTracker,
  settle,
  mockCloudPerTest,
  valueOf,
} from './mocks';

let awsApi: typeof import('../../../infra/pulumi/aws');
const cloud = mockCloudPerTest(async () => {
  awsApi = await import('../../../infra/pulumi/aws');
});

const T = {
  vpc: 'aws:ec2/vpc:Vpc',
  subnet: 'aws:ec2/subnet:Subnet',
  igw: 'aws:ec2/internetGateway:InternetGateway',
  routeTable: 'aws:ec2/routeTable:RouteTable',
  association: 'aws:ec2/routeTableAssociation:RouteTableAssociation',
  eip: 'aws:ec2/eip:Eip',
  nat: 'aws:ec2/natGateway:NatGateway',
  flowLog: 'aws:ec2/flowLog:FlowLog',
  defaultSg: 'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  role: 'aws:iam/role:Role',
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  lb: 'aws:lb/loadBalancer:LoadBalancer',
  tg: 'aws:lb/targetGroup:TargetGroup',
  service: 'aws:ecs/service:Service',
} as const;

type Args = import('../../../infra/pulumi/aws').McpFargateServiceArgs;

/** A service without vpcId and subnets. */
function args(overrides: Partial<Args> = {}): Args {
  return {
    image: `${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/remote-mcp:1.0.0`,
    certificateArn: `arn:aws:acm:${AWS_REGION}:${AWS_ACCOUNT}:certificate/0b1c2d3e`,
    domainName: 'mcp.example.com',
    server: { oauthIssuer: 'https://auth.example.com' },
    ...overrides,
  };
}

async function deploy(overrides: Partial<Args> = {}) {
  const tracker = parentTracker();
  const svc = new awsApi.McpFargateService('remote-mcp', args(overrides), tracker.opts);
  await valueOf(svc.serviceName);
  await valueOf(svc.privateSubnetIds);
  await settle();
  return { svc, tracker };
}

const byName = (type: string, prefix: string) =>
  cloud
    .ofType(type)
    .filter((r) => r.name.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));

test('no network given: a VPC over two AZs, public and private subnets, the service in them', async () => {
  const { svc } = await deploy();
  expect(svc.network).toBeDefined();
  const vpc = cloud.one(T.vpc);
  expect(vpc.inputs).toMatchObject({ cidrBlock: '10.0.0.0/16', enableDnsHostnames: true, enableDnsSupport: true });
  const publics = byName(T.subnet, 'remote-mcp-net-public-');
  const privates = byName(T.subnet, 'remote-mcp-net-private-');
  expect(publics.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch])).toEqual([
    ['10.0.0.0/24', AWS_AZS[0], false],
    ['10.0.1.0/24', AWS_AZS[1], false],
  ]);
  expect(privates.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch])).toEqual([
    ['10.0.4.0/22', AWS_AZS[0], false],
    ['10.0.8.0/22', AWS_AZS[1], false],
  ]);
  for (const s of [...publics, ...privates]) expect(s.inputs.vpcId).toBe(`${vpc.name}-id`);
  // The load balancer in the public subnets, the tasks in the private ones, security groups and targets in the VPC.
  expect(cloud.one(T.lb).inputs.subnets).toEqual(publics.map((s) => `${s.name}-id`));
  expect(cloud.one(T.service).inputs.networkConfiguration.subnets).toEqual(privates.map((s) => `${s.name}-id`));
  expect(cloud.one(T.service).inputs.networkConfiguration.assignPublicIp).toBe(false);
  for (const sg of cloud.ofType(T.sg)) expect(sg.inputs.vpcId).toBe(`${vpc.name}-id`);
  expect(cloud.one(T.tg).inputs.vpcId).toBe(`${vpc.name}-id`);
  expect(await valueOf(svc.vpcId)).toBe(`${vpc.name}-id`);
});

test('routes: public subnets to the internet gateway; each private subnet through the NAT gateway of its AZ', async () => {
  await deploy();
  const igw = cloud.one(T.igw);
  const publicRoutes = cloud.named(T.routeTable, 'remote-mcp-net-public');
  expect(publicRoutes.inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', gatewayId: `${igw.name}-id` }]);
  const nats = byName(T.nat, 'remote-mcp-net-nat-');
  expect(nats.map((n) => n.inputs.subnetId)).toEqual(['remote-mcp-net-public-0-id', 'remote-mcp-net-public-1-id']);
  expect(nats.map((n) => n.inputs.allocationId)).toEqual(['remote-mcp-net-nat-0-id', 'remote-mcp-net-nat-1-id']);
  expect(cloud.ofType(T.eip).map((e) => e.inputs.domain)).toEqual(['vpc', 'vpc']);
  for (const i of [0, 1]) {
    expect(cloud.named(T.routeTable, `remote-mcp-net-private-${i}`).inputs.routes).toEqual([
      { cidrBlock: '0.0.0.0/0', natGatewayId: `remote-mcp-net-nat-${i}-id` },
    ]);
    expect(cloud.named(T.association, `remote-mcp-net-private-${i}`).inputs).toMatchObject({
      subnetId: `remote-mcp-net-private-${i}-id`,
      routeTableId: `remote-mcp-net-private-${i}-id`,
    });
    expect(cloud.named(T.association, `remote-mcp-net-public-${i}`).inputs).toMatchObject({
      subnetId: `remote-mcp-net-public-${i}-id`,
      routeTableId: 'remote-mcp-net-public-id',
    });
  }
});

test('natGateways: 1 — both private subnets leave through the one NAT gateway', async () => {
  await deploy({ natGateways: 1 });
  expect(cloud.ofType(T.nat)).toHaveLength(1);
  for (const i of [0, 1]) {
    expect(cloud.named(T.routeTable, `remote-mcp-net-private-${i}`).inputs.routes).toEqual([
      { cidrBlock: '0.0.0.0/0', natGatewayId: 'remote-mcp-net-nat-0-id' },
    ]);
  }
});

test('flow logs of all traffic to a log group kept a year; the role writes only there; the default security group has no rule', async () => {
  await deploy({ logsKmsKeyArn: `arn:aws:kms:${AWS_REGION}:${AWS_ACCOUNT}:key/k1` });
  const group = cloud.named(T.logGroup, 'remote-mcp-net-flow-logs');
  expect(group.inputs).toMatchObject({
    retentionInDays: 365,
    kmsKeyId: `arn:aws:kms:${AWS_REGION}:${AWS_ACCOUNT}:key/k1`,
  });
  const flow = cloud.one(T.flowLog);
  expect(flow.inputs).toMatchObject({
    vpcId: 'remote-mcp-net-vpc-id',
    trafficType: 'ALL',
    logDestinationType: 'cloud-watch-logs',
  });
  const groupArn = `arn:aws:logs:${AWS_REGION}:${AWS_ACCOUNT}:log-group:remote-mcp-net-flow-logs-1a2b3c4`;
  expect(flow.inputs.logDestination).toBe(groupArn);
  const role = cloud.named(T.role, 'remote-mcp-net-flow-logs');
  expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({
    Service: 'vpc-flow-logs.amazonaws.com',
  });
  const policy = JSON.parse(cloud.named(T.rolePolicy, 'remote-mcp-net-flow-logs').inputs.policy);
  expect(policy.Statement).toEqual([
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: [groupArn, `${groupArn}:log-stream:*`],
    },
  ]);
  expect(cloud.one(T.defaultSg).inputs).toMatchObject({ vpcId: 'remote-mcp-net-vpc-id', ingress: [], egress: [] });
});

test('the same shape as the CDK construct’s default VPC (subnet ranges, NAT gateways, no public IP on launch)', async () => {
  const stack = new Stack(newApp(), 'Vpc', { env: { region: AWS_REGION } });
  createVpc(stack, { natGateways: 2, retention: logs.RetentionDays.ONE_YEAR, key: new kms.Key(stack, 'Key') });
  const cdk = Template.fromStack(stack);
  const cdkSubnets = Object.values(cdk.findResources('AWS::EC2::Subnet')).map(
    (s) => (s as { Properties: Record<string, any> }).Properties,
  );
  const cdkCidrs = (kind: string) =>
    cdkSubnets
      .filter((s) =>
        s.Tags.some((t: { Key: string; Value: string }) => t.Key === 'aws-cdk:subnet-name' && t.Value === kind),
      )
      .map((s) => s.CidrBlock)
      .sort();
  await deploy();
  expect(byName(T.subnet, 'remote-mcp-net-public-').map((s) => s.inputs.cidrBlock)).toEqual(cdkCidrs('public'));
  expect(byName(T.subnet, 'remote-mcp-net-private-').map((s) => s.inputs.cidrBlock)).toEqual(cdkCidrs('private'));
  expect(cloud.one(T.vpc).inputs.cidrBlock).toBe(
    Object.values(cdk.findResources('AWS::EC2::VPC')).map(
      (v) => (v as { Properties: { CidrBlock: string } }).Properties.CidrBlock,
    )[0],
  );
  expect(cloud.ofType(T.nat)).toHaveLength(Object.keys(cdk.findResources('AWS::EC2::NatGateway')).length);
  expect(cdkSubnets.every((s) => s.MapPublicIpOnLaunch === false)).toBe(true);
  expect(cloud.ofType(T.flowLog)).toHaveLength(Object.keys(cdk.findResources('AWS::EC2::FlowLog')).length);
}, 150_000);

test('every network resource is a child of the component', async () => {
  const { tracker } = await deploy();
  const network = cloud.resources.filter((r) => r.name.startsWith('remote-mcp-net')).map((r) => `${r.type}::${r.name}`);
  expect(network.length).toBeGreaterThan(15);
  for (const r of network) expect(tracker.seen).toContain(r);
});

test('a given network is used as it is, and nothing of a network is created', async () => {
  await deploy({
    vpcId: 'vpc-123',
    publicSubnetIds: ['subnet-a', 'subnet-b'],
    privateSubnetIds: ['subnet-c', 'subnet-d'],
  });
  for (const type of [T.vpc, T.subnet, T.nat, T.igw, T.flowLog]) expect(cloud.ofType(type)).toEqual([]);
  expect(cloud.one(T.lb).inputs.subnets).toEqual(['subnet-a', 'subnet-b']);
});

test('a partial network, or natGateways with a given network or out of range, fails before anything is created', async () => {
  const err = (o: Partial<Args>) =>
    configErrorOf(cloud, () => new awsApi.McpFargateService('remote-mcp', args(o))).then((e) => e.message);
  expect(await err({ vpcId: 'vpc-1' })).toMatch(
    /give all of `vpcId`, `publicSubnetIds` and `privateSubnetIds` \(your network\), or none of them \(a network is created\)/,
  );
  expect(await err({ publicSubnetIds: ['a', 'b'], privateSubnetIds: ['c', 'd'] })).toMatch(/give all of `vpcId`/);
  expect(
    await err({ vpcId: 'vpc-1', publicSubnetIds: ['a', 'b'], privateSubnetIds: ['c', 'd'], natGateways: 1 }),
  ).toMatch(/natGateways applies only to a created network/);
  expect(await err({ natGateways: 3 })).toMatch(/natGateways must be/);
});
