/**
 * The front of the Pulumi `McpFargateService`: the two security groups (load balancer, tasks) and their rules, the
 * Application Load Balancer, its target group and listeners, the alias record and the WAF association — with the
 * CDK construct's settings (`infra/shared/alb.ts`, `infra/shared/fargate.ts`).
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { CONTAINER_PORT, PATHS } from '../../../server/config/contract';
import { TARGET_HEALTH_CHECK } from '../../shared/fargate';

export interface McpSecurityGroups {
  loadBalancerSecurityGroup: aws.ec2.SecurityGroup;
  serviceSecurityGroup: aws.ec2.SecurityGroup;
}

/**
 * The load balancer's group (443 and 80 from `ingressCidrs`, out to the tasks only) and the tasks' group (in from
 * the load balancer only, out on 443 only: image registry, Secrets Manager, CloudWatch Logs, the authorization
 * server).
 */
export function createSecurityGroups(
  name: string,
  a: { vpcId: pulumi.Input<string>; ingressCidrs: readonly string[]; tags: Record<string, string> },
  parent: pulumi.Resource,
): McpSecurityGroups {
  const opts = { parent };
  const { tags } = a;
  const loadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-alb`,
    { vpcId: a.vpcId, description: 'MCP load balancer: HTTPS (and HTTP, redirected) from clients', tags },
    opts,
  );
  const serviceSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-tasks`,
    { vpcId: a.vpcId, description: 'MCP tasks: reachable only from the load balancer', tags },
    opts,
  );
  const entrances = [
    [443, 'HTTPS from MCP clients'],
    [80, 'HTTP, redirected to HTTPS'],
  ] as const;
  a.ingressCidrs.forEach((cidr, i) => {
    for (const [port, what] of entrances) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-alb-in-${port}-${i}`,
        {
          securityGroupId: loadBalancerSecurityGroup.id,
          cidrIpv4: cidr,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          description: what,
        },
        opts,
      );
    }
  });
  const containerPort = { ipProtocol: 'tcp', fromPort: CONTAINER_PORT, toPort: CONTAINER_PORT };
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-alb-to-tasks`,
    {
      securityGroupId: loadBalancerSecurityGroup.id,
      referencedSecurityGroupId: serviceSecurityGroup.id,
      ...containerPort,
      description: 'Load balancer to MCP tasks',
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-tasks-from-alb`,
    {
      securityGroupId: serviceSecurityGroup.id,
      referencedSecurityGroupId: loadBalancerSecurityGroup.id,
      ...containerPort,
      description: 'Only the load balancer reaches the tasks',
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-tasks-https-out`,
    {
      securityGroupId: serviceSecurityGroup.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to AWS APIs and the authorization server',
    },
    opts,
  );
  return { loadBalancerSecurityGroup, serviceSecurityGroup };
}

export interface McpLoadBalancerArgs {
  securityGroupId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  vpcId: pulumi.Input<string>;
  idleTimeoutSeconds: number;
  deletionProtection: boolean;
  accessLogsBucket?: pulumi.Input<string>;
  accessLogsPrefix: string;
  certificateArn: pulumi.Input<string>;
  sslPolicy: string;
  /** The target group's deregistration delay: the server's drain time. */
  drainSeconds: number;
  tags: Record<string, string>;
}

export interface McpLoadBalancer {
  loadBalancer: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
  /** The HTTPS listener on 443. */
  listener: aws.lb.Listener;
  /** The HTTP listener on 80, which only redirects to HTTPS. */
  redirectListener: aws.lb.Listener;
}

/** The internet-facing ALB, its target group on the tasks' port, HTTPS on 443 and the 80 → 443 redirect. */
export function createLoadBalancer(name: string, a: McpLoadBalancerArgs, parent: pulumi.Resource): McpLoadBalancer {
  const opts = { parent };
  const { tags } = a;
  const loadBalancer = new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [a.securityGroupId],
      subnets: a.subnetIds,
      // SSE streams sit idle between keep-alive comments and while a tool runs silently: the idle timeout
      // exceeds the keep-alive (the 60 s default would cut long tool calls).
      idleTimeout: a.idleTimeoutSeconds,
      // Malformed header names never reach the server (request smuggling, header confusion).
      dropInvalidHeaderFields: true,
      enableDeletionProtection: a.deletionProtection,
      accessLogs:
        a.accessLogsBucket !== undefined
          ? { bucket: a.accessLogsBucket, prefix: a.accessLogsPrefix, enabled: true }
          : undefined,
      tags,
    },
    opts,
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-tg`,
    {
      vpcId: a.vpcId,
      targetType: 'ip',
      protocol: 'HTTP',
      port: CONTAINER_PORT,
      // /readyz: 200 once the server can serve; a task that fails it is taken out of rotation and replaced. (A task
      // that ECS stops is deregistered before it gets SIGTERM, so the 503 /readyz returns while draining does not
      // steer traffic here — the deregistration delay does.)
      healthCheck: {
        enabled: true,
        path: PATHS.readyz,
        port: 'traffic-port',
        protocol: 'HTTP',
        matcher: TARGET_HEALTH_CHECK.matcher,
        interval: TARGET_HEALTH_CHECK.interval,
        timeout: TARGET_HEALTH_CHECK.timeout,
        healthyThreshold: TARGET_HEALTH_CHECK.healthyThreshold,
        unhealthyThreshold: TARGET_HEALTH_CHECK.unhealthyThreshold,
      },
      // Stopping a task, ECS first deregisters it: for this delay the ALB sends it no new request but lets the open
      // ones (calls, SSE streams) run; then it closes what is still open, and only then does ECS send SIGTERM. So
      // this delay, = drainSeconds, is the real budget for in-flight calls on ECS.
      deregistrationDelay: a.drainSeconds,
      // An open SSE stream is an outstanding request: balance on those, not round-robin on new connections.
      loadBalancingAlgorithmType: 'least_outstanding_requests',
      // No stickiness: ALB stickiness is a cookie and MCP clients keep no cookies.
      tags,
    },
    opts,
  );
  const listener = new aws.lb.Listener(
    `${name}-https`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 443,
      protocol: 'HTTPS',
      certificateArn: a.certificateArn,
      // Set explicitly: the API default (ELBSecurityPolicy-2016-08) still allows TLS 1.0 and has no TLS 1.3.
      sslPolicy: a.sslPolicy,
      defaultActions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
      tags,
    },
    opts,
  );
  const redirectListener = new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 80,
      protocol: 'HTTP',
      defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      tags,
    },
    opts,
  );
  return { loadBalancer, targetGroup, listener, redirectListener };
}

/** An alias A record of `domainName` in its hosted zone, and the WAF association: each only when asked for. */
export function attachToLoadBalancer(
  name: string,
  loadBalancer: aws.lb.LoadBalancer,
  a: { hostedZoneId?: pulumi.Input<string>; domainName?: string; webAclArn?: pulumi.Input<string> },
  parent: pulumi.Resource,
): void {
  if (a.hostedZoneId !== undefined && a.domainName) {
    new aws.route53.Record(
      `${name}-alias`,
      {
        zoneId: a.hostedZoneId,
        name: a.domainName,
        type: 'A',
        aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
      },
      { parent },
    );
  }
  if (a.webAclArn !== undefined) {
    new aws.wafv2.WebAclAssociation(
      `${name}-waf`,
      { resourceArn: loadBalancer.arn, webAclArn: a.webAclArn },
      { parent },
    );
  }
}
