/**
 * Private ECR image references. A task's execution role needs pull rights on the image's repository before ECS
 * can start it; an image given by URI (`fromRegistry` in CDK, a string in Pulumi) carries no such grant, so both
 * stacks derive the repository from the URI and scope the rights to it. Cloud-neutral: plain strings only.
 */

/** An image in a private ECR repository, as its URI names it. */
export interface EcrImageReference {
  account: string;
  region: string;
  /** `aws`, `aws-cn` or `aws-us-gov` (from the registry host). */
  partition: string;
  /** The repository name, with its namespaces (`team/mcp`). */
  repositoryName: string;
  repositoryArn: string;
  /** The tag, or the digest (`sha256:…`), or `latest` when the URI names neither (as docker pulls it). */
  tagOrDigest: string;
}

// IPv4 (`dkr.ecr`), FIPS (`dkr.ecr-fips`) and dual-stack (`dkr-ecr[-fips].<region>.on.aws`) registry hosts.
const ECR_IMAGE =
  /^(\d{12})\.dkr(?:\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.aws)\/([a-z0-9][a-z0-9._\/-]*)(?::(\w[\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{1,64}))?$/;

/** The ECR repository an image URI pulls from, or undefined for any other registry (or an unresolved token). */
export function parseEcrImage(image: string): EcrImageReference | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) return undefined;
  const [, account, ipv4Region, cn, dualStackRegion, repositoryName, tag, digest] = m;
  const region = (ipv4Region ?? dualStackRegion)!;
  const partition = cn ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return {
    account: account!,
    region,
    partition,
    repositoryName: repositoryName!,
    repositoryArn: `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
    tagOrDigest: digest ?? tag ?? 'latest',
  };
}

/** The pull actions an execution role needs on the repository (`ecr:GetAuthorizationToken` is account-wide). */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
] as const;
