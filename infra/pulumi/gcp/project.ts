import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { configFail } from '../common/errors';

/** Project and region of a component: its arguments, else the `gcp` provider's configuration. */
export function resolveProjectAndRegion(
  where: string,
  project: string | undefined,
  region: string | undefined,
): { project: string; region: string } {
  const resolvedProject = project ?? gcp.config.project;
  const resolvedRegion = region ?? gcp.config.region;
  const setProject = '(pulumi config set gcp:project <id>)';
  if (!resolvedProject)
    configFail(where, `needs a Google Cloud project: pass \`project\` or set \`gcp:project\` ${setProject}`);
  const setRegion = '(pulumi config set gcp:region <region>)';
  if (!resolvedRegion) configFail(where, `needs a region: pass \`region\` or set \`gcp:region\` ${setRegion}`);
  return { project: resolvedProject, region: resolvedRegion };
}

/**
 * Enables Google APIs the component needs. `disableOnDestroy: false`: destroying this stack must not switch off an
 * API that other workloads in the project use.
 */
export function enableApis(
  name: string,
  project: string,
  apis: readonly string[],
  parent: pulumi.Resource,
): gcp.projects.Service[] {
  return apis.map(
    (api) =>
      new gcp.projects.Service(
        `${name}-${api.split('.')[0]}-api`,
        { project, service: api, disableOnDestroy: false, disableDependentServices: false },
        { parent },
      ),
  );
}
