import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { configFail } from '../common/errors';

/** Project and region of a component: its arguments, else the `gcp` provider's configuration. */
export function resolveProjectAndRegion(where: string, project: string | undefined, region: string | undefined): { project: string; region: string } {
  const p = project ?? gcp.config.project;
  const r = region ?? gcp.config.region;
  if (!p) configFail(where, 'needs a Google Cloud project: pass `project` or set `gcp:project` (pulumi config set gcp:project <id>)');
  if (!r) configFail(where, 'needs a region: pass `region` or set `gcp:region` (pulumi config set gcp:region <region>)');
  return { project: p, region: r };
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
