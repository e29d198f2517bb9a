/**
 * Pull rights for an image given by URI. `ContainerImage.fromRegistry('<account>.dkr.ecr.<region>.amazonaws.com/…')`
 * grants nothing (CDK only warns), so the first task would fail to start: the construct grants the execution role
 * pull rights on that one repository, as `fromEcrRepository` would. Other registries need no IAM rights.
 */
import { Annotations, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { parseEcrImage } from '../shared/ecr';

/** The warning `RepositoryImage` adds for an ECR URI; answered by the grant below. */
const ECR_POLICY_WARNING = '@aws-cdk/aws-ecs:ecrImageRequiresPolicy';

/**
 * Grants `container`'s execution role pull rights on the ECR repository its registry image names, and returns that
 * repository; undefined when the image grants its own rights (`fromEcrRepository`, `fromAsset`) or is not in ECR.
 */
export function grantRegistryImagePull(
  scope: Construct,
  image: ecs.ContainerImage,
  container: ecs.ContainerDefinition,
): ecr.IRepository | undefined {
  if (!(image instanceof ecs.RepositoryImage) || Token.isUnresolved(container.imageName)) return undefined;
  const ref = parseEcrImage(container.imageName);
  if (!ref) return undefined;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, 'ImageRepository', {
    repositoryArn: ref.repositoryArn,
    repositoryName: ref.repositoryName,
  });
  // ecr:GetAuthorizationToken on `*` (it has no resource-level permissions) and the pull actions on this repository.
  repository.grantPull(container.taskDefinition.obtainExecutionRole());
  Annotations.of(container).acknowledgeWarning(
    ECR_POLICY_WARNING,
    'McpFargateService grants the execution role pull rights on this repository',
  );
  return repository;
}
