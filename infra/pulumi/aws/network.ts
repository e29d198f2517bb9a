/**
 * `McpNetwork`: the network `McpFargateService` creates when it is given none — the same shape as the CDK
 * construct's default VPC (`infra/cdk/supporting-resources.ts`): 10.0.0.0/16 over two Availability Zones, a public
 * /24 per AZ for the load balancer and the NAT gateways (no public IP on launch), a private /22 per AZ with egress
 * through a NAT gateway for the tasks, VPC flow logs (all traffic) to a log group kept like the service's, and the
 * default security group stripped of its rules.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** The created network's shape (the CDK construct's `ec2.Vpc` with `maxAzs: 2`). */
export const NETWORK_DEFAULTS = {
  cidrBlock: '10.0.0.0/16',
  availabilityZones: 2,
  /** Where CDK's allocator puts a /24 public and a /22 private subnet per AZ in 10.0.0.0/16. */
  publicSubnetCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
  privateSubnetCidrs: ['10.0.4.0/22', '10.0.8.0/22'],
  /** One per AZ survives the loss of an AZ; 1 costs less. */
  natGateways: 2,
} as const;

export interface McpNetworkArgs {
  /** NAT gateways, 1 or 2 (private subnets of an AZ without its own use the first). @default 2 */
  natGateways?: number;
  /** Retention of the flow logs (days, a CloudWatch value). */
  logRetentionDays: number;
  /** KMS key (ARN) of the flow-log group. @default AWS-managed encryption */
  logsKmsKeyArn?: pulumi.Input<string>;
  tags?: Record<string, string>;
}

export class McpNetwork extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnets: aws.ec2.Subnet[];
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly natGateways: aws.ec2.NatGateway[];
  readonly flowLogGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: McpNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('remote-mcp-stacks:aws:McpNetwork', name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const natCount = args.natGateways ?? NETWORK_DEFAULTS.natGateways;
    const azCount = NETWORK_DEFAULTS.availabilityZones;

    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: NETWORK_DEFAULTS.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: name },
      },
      parent,
    );
    this.vpcId = this.vpc.id;
    // The default security group allows all traffic between its members: nothing uses it, so it keeps no rule.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags },
      parent,
    );

    // Two AZs of the region, looked up at deployment (as CDK's Fn::GetAZs): a region with fewer is refused.
    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, parent).names.apply((names) => {
      if (names.length < azCount)
        throw new Error(
          `McpNetwork ${name}: the region has ${names.length} available Availability Zone(s); the network needs ${azCount}`,
        );
      return names.slice(0, azCount);
    });

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
        tags: { ...tags, Name: `${name}-public` },
      },
      parent,
    );
    this.publicSubnets = [];
    this.privateSubnets = [];
    this.natGateways = [];
    for (let i = 0; i < azCount; i++) {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: NETWORK_DEFAULTS.publicSubnetCidrs[i]!,
          availabilityZone: zones[i]!,
          // Only the ALB and the NAT gateways (Elastic IPs) live here: nothing needs an automatic public IP.
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `${name}-public-${i}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      this.publicSubnets.push(subnet);
      if (i < natCount) {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags }, parent);
        this.natGateways.push(
          new aws.ec2.NatGateway(
            `${name}-nat-${i}`,
            { subnetId: subnet.id, allocationId: eip.id, tags: { ...tags, Name: `${name}-nat-${i}` } },
            { parent: this, dependsOn: [igw] },
          ),
        );
      }
    }
    for (let i = 0; i < azCount; i++) {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: NETWORK_DEFAULTS.privateSubnetCidrs[i]!,
          availabilityZone: zones[i]!,
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `${name}-private-${i}` },
        },
        parent,
      );
      // Egress through the AZ's own NAT gateway, or the first one.
      const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)]!;
      const routes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: this.vpc.id,
          routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
          tags: { ...tags, Name: `${name}-private-${i}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: routes.id },
        parent,
      );
      this.privateSubnets.push(subnet);
    }
    this.publicSubnetIds = pulumi.all(this.publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(this.privateSubnets.map((s) => s.id));

    // Flow logs of all traffic, kept like the service's logs (records outlive the stack).
    this.flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKmsKeyArn, tags },
      { parent: this, retainOnDelete: true },
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        description: 'VPC flow logs of the MCP network: write to their log group only',
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
        tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: flowLogRole.id,
        policy: this.flowLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
                Resource: [arn, `${arn}:log-stream:*`],
              },
            ],
          }),
        ),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: this.vpc.id,
        trafficType: 'ALL',
        logDestinationType: 'cloud-watch-logs',
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        tags,
      },
      parent,
    );
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
