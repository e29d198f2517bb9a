/**
 * `McpImageRepository`: the Artifact Registry (Docker) repository the server's image is pushed to.
 *
 * `McpCloudRunService` creates one of its own by default. The Pulumi program of this repository creates it on its
 * own instead, so that a first `pulumi up` without an image can create the repository (push the image, then set
 * `image` and run `pulumi up` again) without the repository ever changing its place in the stack.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { checkInteger, configFail } from '../common/errors';
import { enableApis, resolveProjectAndRegion } from './project';

export interface McpImageRepositoryArgs {
  /** @default the `gcp:project` configuration */
  project?: string;
  /** Region of the repository; keep it the service's region (no cross-region pulls). @default `gcp:region` */
  region?: string;
  /** Repository ID (lowercase letters, digits, hyphens). @default the component name */
  repositoryId?: string;
  /** Enable `artifactregistry.googleapis.com`. @default true */
  enableApi?: boolean;
  /** Versions always kept by the cleanup policy (rollbacks). @default 10 */
  keepRecentVersions?: number;
  /** Untagged images older than this many days are deleted. @default 14 */
  deleteUntaggedAfterDays?: number;
  labels?: Record<string, string>;
}

export const DEFAULT_KEEP_RECENT_VERSIONS = 10;
export const DEFAULT_DELETE_UNTAGGED_AFTER_DAYS = 14;

export class McpImageRepository extends pulumi.ComponentResource {
  readonly repository: gcp.artifactregistry.Repository;
  /** `REGION-docker.pkg.dev/PROJECT/REPOSITORY`: push images as `<imageRepository>/<image>:<tag>`. */
  readonly imageRepository: pulumi.Output<string>;

  constructor(name: string, args: McpImageRepositoryArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('remote-mcp-stacks:gcp:McpImageRepository', name, {}, opts);
    const where = `McpImageRepository ${name}`;
    const { project, region } = resolveProjectAndRegion(where, args.project, args.region);
    const repositoryId = args.repositoryId ?? name;
    if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(repositoryId)) {
      configFail(
        where,
        `repositoryId must be lowercase letters, digits and hyphens, start with a letter, at most 63 characters; got '${repositoryId}'`,
      );
    }
    const keep = args.keepRecentVersions ?? DEFAULT_KEEP_RECENT_VERSIONS;
    checkInteger(where, 'keepRecentVersions', keep, 1, 1000);
    const untaggedDays = args.deleteUntaggedAfterDays ?? DEFAULT_DELETE_UNTAGGED_AFTER_DAYS;
    checkInteger(where, 'deleteUntaggedAfterDays', untaggedDays, 1, 3650);

    const apis = args.enableApi === false ? [] : enableApis(name, project, ['artifactregistry.googleapis.com'], this);
    this.repository = new gcp.artifactregistry.Repository(
      name,
      {
        project,
        location: region,
        repositoryId,
        format: 'DOCKER',
        description: 'Images of the remote MCP server (remote-mcp-stacks)',
        labels: { 'managed-by': 'pulumi', ...(args.labels ?? {}) },
        cleanupPolicies: [
          { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: keep } },
          {
            id: 'delete-old-untagged',
            action: 'DELETE',
            condition: { tagState: 'UNTAGGED', olderThan: `${untaggedDays * 86400}s` },
          },
        ],
      },
      { parent: this, dependsOn: apis },
    );
    this.imageRepository = pulumi.interpolate`${region}-docker.pkg.dev/${project}/${this.repository.repositoryId}`;
    this.registerOutputs({ imageRepository: this.imageRepository });
  }
}
