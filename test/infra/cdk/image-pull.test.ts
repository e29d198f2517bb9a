/**
 * An image given by URI from a private ECR repository (`ContainerImage.fromRegistry`, the app's `-c image=`): the
 * execution role may pull exactly that repository and nothing wider, and the compliance checks stay clean.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  McpServerStack,
  addComplianceChecks,
  readAppContext,
  servicePropsFromContext,
  type ContextKey,
} from '../../../infra/cdk';
import { CERT_ARN, ISSUER, REGION, newApp, repoContext, synthService } from './helpers';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/mcp:1.4.0';
const REPOSITORY_ARN = 'arn:aws:ecr:eu-west-1:123456789012:repository/team/mcp';
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every policy attached to the task definition's execution role. */
function executionRoleStatements(template: Template): Statement[] {
  const taskDefinition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0] as {
    Properties: { ExecutionRoleArn: { 'Fn::GetAtt': [string, string] } };
  };
  const roleId = taskDefinition.Properties.ExecutionRoleArn['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const ecrStatements = (template: Template) =>
  executionRoleStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('ecr:')));

test('fromRegistry with an ECR URI: pull on that repository, the token on *, nothing else of ECR', () => {
  const { stack, mcp, template } = synthService({ image: ecs.ContainerImage.fromRegistry(ECR_IMAGE) });
  const statements = ecrStatements(template);
  expect(statements).toHaveLength(2);
  const pull = statements.find((s) => actionsOf(s).includes('ecr:BatchGetImage'))!;
  expect({ ...pull, Action: [...actionsOf(pull)].sort() }).toEqual({
    Effect: 'Allow',
    Action: PULL_ACTIONS,
    Resource: REPOSITORY_ARN,
  });
  const token = statements.find((s) => actionsOf(s).includes('ecr:GetAuthorizationToken'))!;
  expect(token).toEqual({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
  // No wildcard action, and no ECR action on any other resource.
  for (const s of executionRoleStatements(template)) expect(actionsOf(s).some((a) => a.includes('*'))).toBe(false);
  expect(mcp.imageRepository?.repositoryArn).toBe(REPOSITORY_ARN);
  // The image is still the URI as given (no copy, no asset).
  expect(mcp.container.imageName).toBe(ECR_IMAGE);
  // CDK's "Proper policies need to be attached" warning is answered by the grant.
  expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Proper policies'))).toEqual([]);
});

test('an image from another registry gets no ECR permission at all', () => {
  const { mcp, template } = synthService({ image: ecs.ContainerImage.fromRegistry('ghcr.io/example/mcp:1.0.0') });
  expect(ecrStatements(template)).toEqual([]);
  expect(mcp.imageRepository).toBeUndefined();
});

test('the app: -c image=<ECR URI> deploys with pull rights, and cdk-nag and cfn-guard stay clean', () => {
  const app = newApp({ context: repoContext() });
  const ctx = { certificateArn: CERT_ARN, oauthIssuer: ISSUER, image: ECR_IMAGE } as Record<string, unknown>;
  const c = readAppContext((key: ContextKey) => ctx[key], REGION);
  const stack = new McpServerStack(app, c.stackName, {
    env: { region: c.region },
    service: servicePropsFromContext(c),
  });
  addComplianceChecks(app);
  expect(() => app.synth()).not.toThrow();
  const statements = ecrStatements(Template.fromStack(stack));
  expect(statements.find((s) => actionsOf(s).includes('ecr:BatchGetImage'))?.Resource).toBe(REPOSITORY_ARN);
});
