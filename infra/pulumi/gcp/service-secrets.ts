/**
 * The service's Secret Manager secrets: each one readable by the service account only, and injected into the
 * container with `secretKeyRef` (never as a plain environment value).
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

type ContainerEnv = gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv;

export interface ServiceSecretsArgs {
  project: string;
  serviceName: string;
  labels: Record<string, string>;
  /** `serviceAccount:<email>` of the service: the one reader. */
  member: pulumi.Input<string>;
  /** The enabled APIs (Secret Manager among them). */
  apis: pulumi.Resource[];
}

export interface StoredSecret {
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
}

/** Creates secrets, grants the reads and collects the container's secret variables, in the order they are added. */
export class ServiceSecrets {
  /** Secret Manager secrets by the contract's variable name. */
  readonly byEnv: Record<string, gcp.secretmanager.Secret> = {};
  /** The container's variables from secrets. */
  readonly envs: ContainerEnv[] = [];
  /** The read grants: the service must start only once it can read its secrets. */
  readonly readGrants: pulumi.Resource[] = [];

  constructor(
    private readonly name: string,
    private readonly args: ServiceSecretsArgs,
    private readonly parent: pulumi.Resource,
  ) {}

  /**
   * A secret with one version, readable by the service account only. `keepFirstValue`: a value drawn on every run
   * (`generatedRequestStateKeys`) keeps the one the version was created with.
   */
  store(slug: string, value: pulumi.Output<string>, keepFirstValue = false): StoredSecret {
    const { project, serviceName, labels } = this.args;
    const secret = new gcp.secretmanager.Secret(
      `${this.name}-${slug}`,
      { project, secretId: `${serviceName}-${slug}`, replication: { auto: {} }, labels },
      { parent: this.parent, dependsOn: this.args.apis },
    );
    // secretData is a Pulumi secret (and the provider marks it secret too): it is encrypted in the state.
    const version = new gcp.secretmanager.SecretVersion(
      `${this.name}-${slug}`,
      { secret: secret.id, secretData: value },
      { parent: this.parent, ...(keepFirstValue ? { ignoreChanges: ['secretData'] } : {}) },
    );
    this.grantRead(`${slug}-accessor`, secret.secretId);
    return { secret, version };
  }

  /** Stores `value` and injects it as `env`, pinned to the version just written (a new value: a new revision). */
  storeAndInject(env: string, slug: string, value: pulumi.Output<string>, keepFirstValue = false): StoredSecret {
    const stored = this.store(slug, value, keepFirstValue);
    this.byEnv[env] = stored.secret;
    this.inject(env, stored.secret.secretId, stored.version.version);
    return stored;
  }

  /** The container variable `env` from a secret version. */
  inject(env: string, secretId: pulumi.Input<string>, version: pulumi.Input<string>): void {
    this.envs.push({ name: env, valueSource: { secretKeyRef: { secret: secretId, version } } });
  }

  /** Read access for the service account on this secret only. */
  grantRead(slug: string, secretId: pulumi.Input<string>): void {
    const { project, member } = this.args;
    const role = 'roles/secretmanager.secretAccessor';
    const grant = new gcp.secretmanager.SecretIamMember(
      `${this.name}-${slug}`,
      { project, secretId, role, member },
      { parent: this.parent },
    );
    this.readGrants.push(grant);
  }
}
