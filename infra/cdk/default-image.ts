/**
 * The default container image: this repository's Dockerfile, staged as a CDK asset. Staging copies the
 * directory (minus `.dockerignore`) and needs no docker engine; `cdk deploy` builds and pushes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { CONTAINER_HEALTH_CHECK, containerHealthCheckCommand } from '../shared/fargate';
import { McpConfigError } from './resolve-props';

const PACKAGE_NAME = 'remote-mcp-stacks';

/**
 * The repository root: the nearest directory above this module holding the Dockerfile and this package's
 * package.json (works from `infra/cdk/*.ts` and from `dist/infra/cdk/*.js`).
 */
export function findRepositoryRoot(from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'Dockerfile')) && packageName(dir) === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function packageName(dir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** `ContainerImage.fromAsset(<repository root>)` for the task's architecture. */
export function defaultImage(architecture: ecs.CpuArchitecture): ecs.ContainerImage {
  const root = findRepositoryRoot();
  // The installed npm package ships the Dockerfile but not the server's sources: the build needs a checkout.
  if (!root || !fs.existsSync(path.join(root, 'server')) || !fs.existsSync(path.join(root, 'package-lock.json'))) {
    throw new McpConfigError(
      'McpFargateService: the default image builds this repository from source, which is not here; ' +
        'pass `image` (e.g. ecs.ContainerImage.fromRegistry(...) or fromAsset(<your checkout>))',
    );
  }
  const platform = architecture === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64;
  // cdk.json configures the CDK app, not the image: leave it out so that editing it does not redeploy tasks.
  return ecs.ContainerImage.fromAsset(root, { platform, exclude: ['cdk.json'] });
}

/** The Dockerfile's own HEALTHCHECK (liveness on /healthz), which ECS does not read from the image. */
export function defaultContainerHealthCheck(port: number, healthPath: string): ecs.HealthCheck {
  return {
    command: containerHealthCheckCommand(port, healthPath),
    interval: Duration.seconds(CONTAINER_HEALTH_CHECK.interval),
    timeout: Duration.seconds(CONTAINER_HEALTH_CHECK.timeout),
    startPeriod: Duration.seconds(CONTAINER_HEALTH_CHECK.startPeriod),
    retries: CONTAINER_HEALTH_CHECK.retries,
  };
}
