/**
 * McpCloudRunService (and McpImageRepository) under Pulumi mocks: what the component asks Google Cloud for.
 */
import * as pulumi from '@pulumi/pulumi';
import { ENV, SECRET_ENV, redisUrl, requestStateKeysProblem, serverEnvironment } from '../../../server/config/contract';
import { loadConfig } from '../../../server/config/env';
import {
  GCP_PROJECT,
  GCP_PROJECT_NUMBER,
  REDIS_AUTH_STRING,
  REDIS_CA_PEM,
  REDIS_HOST,
  configErrorOf,
  isSecretValue,
  parentTracker,
  plainStrings,
  settle,
  mockCloudPerTest,
  valueOf,
  warningsDuring,
  type Recorded,
} from './mocks';

// Imported after the mocks are installed (the program and components read the runtime when they run).
let gcpApi: typeof import('../../../infra/pulumi/gcp');
const cloud = mockCloudPerTest(async () => {
  gcpApi = await import('../../../infra/pulumi/gcp');
});

const T = {
  service: 'gcp:cloudrunv2/service:Service',
  serviceIam: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
  account: 'gcp:serviceaccount/account:Account',
  secret: 'gcp:secretmanager/secret:Secret',
  version: 'gcp:secretmanager/secretVersion:SecretVersion',
  secretIam: 'gcp:secretmanager/secretIamMember:SecretIamMember',
  api: 'gcp:projects/service:Service',
  repo: 'gcp:artifactregistry/repository:Repository',
  domain: 'gcp:cloudrun/domainMapping:DomainMapping',
} as const;
/** Resources of a type other than the generated MCP_REQUEST_STATE_KEYS secret's (which every service has). */
const notKeys = (type: string): Recorded[] =>
  cloud.ofType(type).filter((r) => !r.name.startsWith('remote-mcp-request-state-keys'));
const KEYS_ENV = {
  name: ENV.requestStateKeys,
  valueSource: { secretKeyRef: { secret: 'remote-mcp-request-state-keys', version: '1' } },
};

const REGION = 'europe-west1';
const ISSUER = 'https://auth.example.com';
const CLIENT_SECRET = 'client-secret-Zq81hv';
/** Bearer tokens the server accepts (at least 16 characters). */
const TOKENS = ['token-Aa11-aaaaaaaaaaaa', 'token-Bb22-bbbbbbbbbbbb'];

type Args = import('../../../infra/pulumi/gcp').McpCloudRunServiceArgs;

async function deploy(args: Partial<Args> = {}, name = 'remote-mcp') {
  const tracker = parentTracker();
  const svc = new gcpApi.McpCloudRunService(
    name,
    {
      image: 'europe-west1-docker.pkg.dev/demo-project/remote-mcp/server:1.0.0',
      project: GCP_PROJECT,
      region: REGION,
      server: { oauthIssuer: ISSUER },
      ...args,
    },
    tracker.opts,
  );
  await valueOf(svc.serviceUrl);
  await settle();
  const service = cloud.one(T.service);
  const container = service.inputs.template.containers[0];
  return {
    svc,
    tracker,
    service,
    container,
    env: container.envs as { name: string; value?: string; valueSource?: any }[],
  };
}

function envMap(env: { name: string; value?: string }[]): Record<string, string | undefined> {
  return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
}

/** Builds the component and returns the McpConfigError it throws, having checked that nothing was created. */
function configError(args: Partial<Args>, name = 'remote-mcp'): Promise<Error> {
  return configErrorOf(
    cloud,
    () =>
      new gcpApi.McpCloudRunService(name, {
        image: 'img',
        project: GCP_PROJECT,
        region: REGION,
        server: { oauthIssuer: ISSUER },
        ...args,
      }),
  );
}

describe('Cloud Run service defaults', () => {
  test('request timeout 3600 s as a string, concurrency, scaling, CPU always allocated, startup boost', async () => {
    const { service, container } = await deploy();
    const t = service.inputs.template;
    expect(t.timeout).toBe('3600s');
    expect(t.maxInstanceRequestConcurrency).toBe(200);
    expect(t.scaling).toEqual({ minInstanceCount: 0, maxInstanceCount: 10 });
    expect(container.resources).toEqual({
      cpuIdle: false,
      startupCpuBoost: true,
      limits: { cpu: '1', memory: '512Mi' },
    });
    expect(service.inputs.deletionProtection).toBe(true);
    expect(service.inputs.ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect(service.inputs.name).toBe('remote-mcp');
    expect(service.inputs.location).toBe(REGION);
  });

  test('one container port object (not a list) on the contract port, HTTP/1', async () => {
    const { container } = await deploy();
    expect(Array.isArray(container.ports)).toBe(false);
    expect(container.ports).toEqual({ name: 'http1', containerPort: 8080 });
  });

  test('startup probe on /readyz and liveness probe on /healthz, both on the container port', async () => {
    const { container } = await deploy();
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/readyz', port: 8080 },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 30,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 8080 },
      initialDelaySeconds: 0,
      periodSeconds: 15,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
  });

  test("environment is exactly the contract's serverEnvironment, less the reserved PORT, with drain 8 s", async () => {
    const { env, svc } = await deploy();
    const mcpUrl = await valueOf(svc.mcpUrl);
    const expected = serverEnvironment(
      { authMode: 'oauth', oauthIssuer: ISSUER, drainSeconds: 8, publicUrl: mcpUrl },
      { omitPort: true },
    );
    expect(envMap(env)).toEqual(expected);
    expect(env.map((e) => e.name)).not.toContain('PORT');
    expect(envMap(env)[ENV.drainSeconds]).toBe('8');
    expect(envMap(env)[ENV.authMode]).toBe('oauth');
    // sorted by name for stable diffs
    const plainNames = env.filter((e) => e.value !== undefined).map((e) => e.name);
    expect(plainNames).toEqual([...plainNames].sort());
  });

  test('the MCP URL is the deterministic run.app URL plus /mcp (the server needs it before the service exists)', async () => {
    const { svc, env } = await deploy();
    const url = `https://remote-mcp-${GCP_PROJECT_NUMBER}.${REGION}.run.app/mcp`;
    expect(await valueOf(svc.mcpUrl)).toBe(url);
    expect(envMap(env)[ENV.publicUrl]).toBe(url);
    expect(cloud.calls.find((c) => c.token === 'gcp:organizations/getProject:getProject')?.inputs.projectId).toBe(
      GCP_PROJECT,
    );
    expect(await valueOf(svc.serviceUrl)).toBe(`https://remote-mcp-${GCP_PROJECT_NUMBER}.${REGION}.run.app`);
  });

  test('server settings pass through with the contract names', async () => {
    const { env } = await deploy({
      server: {
        oauthIssuer: ISSUER,
        oauthAudience: 'api://mcp',
        oauthScopes: ['mcp:tools', 'mcp:read'],
        keepAliveSeconds: 20,
        drainSeconds: 5,
        logLevel: 'debug',
        allowedOrigins: ['https://app.example.com'],
      },
    });
    const m = envMap(env);
    expect(m[ENV.oauthAudience]).toBe('api://mcp');
    expect(m[ENV.oauthScopes]).toBe('mcp:tools,mcp:read');
    expect(m[ENV.keepAliveSeconds]).toBe('20');
    expect(m[ENV.drainSeconds]).toBe('5');
    expect(m[ENV.logLevel]).toBe('debug');
    expect(m[ENV.allowedOrigins]).toBe('https://app.example.com');
  });

  test('custom timeout, concurrency, scaling and size', async () => {
    const { service, container } = await deploy({
      requestTimeoutSeconds: 900,
      concurrency: 40,
      minInstances: 1,
      maxInstances: 3,
      cpu: '2',
      memory: '1Gi',
      cpuAlwaysAllocated: false,
      startupCpuBoost: false,
    });
    expect(service.inputs.template.timeout).toBe('900s');
    expect(service.inputs.template.maxInstanceRequestConcurrency).toBe(40);
    expect(service.inputs.template.scaling).toEqual({ minInstanceCount: 1, maxInstanceCount: 3 });
    expect(container.resources).toEqual({ cpuIdle: true, startupCpuBoost: false, limits: { cpu: '2', memory: '1Gi' } });
  });

  test('request-based billing allows a fractional CPU', async () => {
    const { container, service } = await deploy({
      cpuAlwaysAllocated: false,
      cpu: '500m',
      memory: '256Mi',
      concurrency: 1,
    });
    expect(service.inputs.template.maxInstanceRequestConcurrency).toBe(1);
    expect(container.resources).toEqual({
      cpuIdle: true,
      startupCpuBoost: true,
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  test('deletionProtection is exposed', async () => {
    const { service } = await deploy({ deletionProtection: false });
    expect(service.inputs.deletionProtection).toBe(false);
  });

  test('session affinity only when the server runs stateful, with a warning that sessions break on scale-out unless maxInstances is 1', async () => {
    expect((await deploy()).service.inputs.template.sessionAffinity).toBe(false);
    cloud.reset();
    let stateful!: Awaited<ReturnType<typeof deploy>>;
    const warnings = await warningsDuring(async () => {
      stateful = await deploy({ server: { oauthIssuer: ISSUER, sessionMode: 'stateful' } });
    });
    const warning = warnings.join('\n');
    expect(warning).toMatch(
      /sessionMode 'stateful' keeps each session in one instance's memory and Cloud Run's session affinity is best effort/,
    );
    expect(warning).toMatch(
      /with maxInstances 10, sessions break on scale-out, scale-in and restarts: a request that reaches another instance gets 404/,
    );
    expect(warning).toMatch(/Set maxInstances to 1 to keep every session on one instance/);
    expect(stateful.service.inputs.template.sessionAffinity).toBe(true);
    expect(envMap(stateful.env)[ENV.sessionMode]).toBe('stateful');
    // maxInstances 1: still allowed and still said — a restart or a new revision ends the sessions
    cloud.reset();
    const single = await warningsDuring(() =>
      deploy({ server: { oauthIssuer: ISSUER, sessionMode: 'stateful' }, maxInstances: 1 }),
    );
    expect(single.join('\n')).toMatch(
      /maxInstances is 1, so every session stays on the one instance, but a restart or a new revision still ends them/,
    );
    expect(single.join('\n')).not.toMatch(/Set maxInstances to 1/);
  });
});

describe('identity and secrets', () => {
  test('a dedicated service account runs the service', async () => {
    const { service } = await deploy();
    const sa = cloud.one(T.account);
    expect(sa.inputs.accountId).toBe('remote-mcp-run');
    expect(sa.inputs.project).toBe(GCP_PROJECT);
    expect(service.inputs.template.serviceAccount).toBe(`remote-mcp-run@${GCP_PROJECT}.iam.gserviceaccount.com`);
  });

  test('each secret value: a Secret Manager secret, a version whose data is a Pulumi secret, a secretKeyRef env', async () => {
    const { env } = await deploy({
      server: { oauthIssuer: ISSUER },
      secrets: { oauthClientSecret: CLIENT_SECRET, bearerTokens: TOKENS },
    });
    const secrets = notKeys(T.secret);
    expect(secrets.map((s) => s.inputs.secretId).sort()).toEqual([
      'remote-mcp-bearer-tokens',
      'remote-mcp-oauth-client-secret',
    ]);
    for (const s of secrets) expect(s.inputs.replication).toEqual({ auto: {} });

    const versions = notKeys(T.version);
    expect(versions).toHaveLength(2);
    const data = Object.fromEntries(versions.map((v) => [v.inputs.secret, v.inputs.secretData]));
    for (const d of Object.values(data)) expect(isSecretValue(d)).toBe(true);
    expect(data[`projects/${GCP_PROJECT_NUMBER}/secrets/remote-mcp-oauth-client-secret`].value).toBe(CLIENT_SECRET);
    expect(data[`projects/${GCP_PROJECT_NUMBER}/secrets/remote-mcp-bearer-tokens`].value).toBe(TOKENS.join(','));

    const fromSecrets = env.filter((e) => e.valueSource);
    expect(fromSecrets).toEqual([
      {
        name: ENV.oauthClientSecret,
        valueSource: { secretKeyRef: { secret: 'remote-mcp-oauth-client-secret', version: '1' } },
      },
      { name: ENV.bearerTokens, valueSource: { secretKeyRef: { secret: 'remote-mcp-bearer-tokens', version: '1' } } },
      KEYS_ENV,
    ]);
    // a secret variable never has a plain value
    for (const name of SECRET_ENV) expect(env.filter((e) => e.name === name && e.value !== undefined)).toEqual([]);
  });

  test('secretAccessor is granted per secret, to the service account only (no project-wide role)', async () => {
    await deploy({ secrets: { oauthClientSecret: CLIENT_SECRET, bearerTokens: TOKENS.join(',') } });
    const members = cloud.ofType(T.secretIam);
    expect(members).toHaveLength(3);
    for (const m of members) {
      expect(m.inputs.role).toBe('roles/secretmanager.secretAccessor');
      expect(m.inputs.member).toBe(`serviceAccount:remote-mcp-run@${GCP_PROJECT}.iam.gserviceaccount.com`);
    }
    expect(members.map((m) => m.inputs.secretId).sort()).toEqual([
      'remote-mcp-bearer-tokens',
      'remote-mcp-oauth-client-secret',
      'remote-mcp-request-state-keys',
    ]);
    // nothing granted at project (or folder/organization) level, no other IAM binding at all
    const iamTypes = cloud.resources.map((r) => r.type).filter((t) => /iam(member|binding|policy)/i.test(t));
    expect(new Set(iamTypes)).toEqual(new Set([T.secretIam]));
  });

  test('the secret text appears nowhere outside Pulumi secrets', async () => {
    const { svc } = await deploy({
      server: { oauthIssuer: ISSUER },
      secrets: { oauthClientSecret: CLIENT_SECRET, bearerTokens: TOKENS },
    });
    const plain = cloud.resources.flatMap((r: Recorded) => plainStrings(r.inputs));
    for (const secretText of [CLIENT_SECRET, ...TOKENS]) {
      expect(plain.filter((s) => s.includes(secretText))).toEqual([]);
    }
    // and the outputs that carry no secret are not marked secret
    expect(await pulumi.isSecret(svc.mcpUrl)).toBe(false);
    expect(await pulumi.isSecret(svc.clientConfig)).toBe(false);
  });

  test('secret values given as outputs stay secret', async () => {
    await deploy({ secrets: { oauthClientSecret: pulumi.output(CLIENT_SECRET) } });
    const version = cloud.one(T.version, 'oauth-client-secret');
    expect(isSecretValue(version.inputs.secretData)).toBe(true);
    expect(version.inputs.secretData.value).toBe(CLIENT_SECRET);
  });

  test('without secret values: only the generated MCP_REQUEST_STATE_KEYS secret, readable by the service account alone', async () => {
    const { env } = await deploy();
    expect(cloud.ofType(T.secret).map((s) => s.inputs.secretId)).toEqual(['remote-mcp-request-state-keys']);
    expect(cloud.ofType(T.secretIam).map((m) => [m.inputs.secretId, m.inputs.role, m.inputs.member])).toEqual([
      [
        'remote-mcp-request-state-keys',
        'roles/secretmanager.secretAccessor',
        `serviceAccount:remote-mcp-run@${GCP_PROJECT}.iam.gserviceaccount.com`,
      ],
    ]);
    expect(env.filter((e) => e.name === ENV.requestStateKeys)).toEqual([KEYS_ENV]);
    const version = cloud.one(T.version);
    expect(isSecretValue(version.inputs.secretData)).toBe(true);
    const key = version.inputs.secretData.value as string;
    expect(requestStateKeysProblem(key)).toBeUndefined();
    expect(cloud.resources.flatMap((r: Recorded) => plainStrings(r.inputs)).filter((s) => s.includes(key))).toEqual([]);
    // The server starts on what Cloud Run injects (its environment and the secret's value).
    const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    expect(loadConfig({ ...plain, HOST: '0.0.0.0', [ENV.requestStateKeys]: key }).requestStateKeys).toHaveLength(1);
    expect(
      cloud
        .ofType(T.api)
        .map((a) => a.inputs.service)
        .sort(),
    ).toEqual([
      'artifactregistry.googleapis.com',
      'iam.googleapis.com',
      'run.googleapis.com',
      'secretmanager.googleapis.com',
    ]);
  });
});

describe('access, APIs, registry, domain', () => {
  test('public by default through invokerIamDisabled, with no allUsers binding', async () => {
    const { service } = await deploy();
    expect(service.inputs.invokerIamDisabled).toBe(true);
    expect(cloud.ofType(T.serviceIam)).toEqual([]);
  });

  test("publicAccess 'all-users': one run.invoker binding for allUsers on this service", async () => {
    const { service } = await deploy({ publicAccess: 'all-users' });
    expect(service.inputs.invokerIamDisabled).toBe(false);
    const binding = cloud.one(T.serviceIam);
    expect(binding.inputs).toMatchObject({
      role: 'roles/run.invoker',
      member: 'allUsers',
      name: 'remote-mcp',
      location: REGION,
      project: GCP_PROJECT,
    });
  });

  test("publicAccess 'none': the invoker IAM check stays on and nothing is public", async () => {
    const { service } = await deploy({ publicAccess: 'none' });
    expect(service.inputs.invokerIamDisabled).toBe(false);
    expect(cloud.ofType(T.serviceIam)).toEqual([]);
  });

  test('the needed APIs are enabled, never disabled on destroy', async () => {
    await deploy({ secrets: { oauthClientSecret: CLIENT_SECRET } });
    const apis = cloud.ofType(T.api);
    expect(apis.map((a) => a.inputs.service).sort()).toEqual([
      'artifactregistry.googleapis.com',
      'iam.googleapis.com',
      'run.googleapis.com',
      'secretmanager.googleapis.com',
    ]);
    for (const a of apis) expect(a.inputs).toMatchObject({ project: GCP_PROJECT, disableOnDestroy: false });
  });

  test('enableApis false leaves the APIs alone', async () => {
    await deploy({ enableApis: false, secrets: { oauthClientSecret: CLIENT_SECRET } });
    expect(cloud.ofType(T.api)).toEqual([]);
  });

  test('an Artifact Registry Docker repository in the region, with cleanup policies', async () => {
    const { svc } = await deploy();
    const repo = cloud.one(T.repo);
    expect(repo.inputs).toMatchObject({
      repositoryId: 'remote-mcp',
      format: 'DOCKER',
      location: REGION,
      project: GCP_PROJECT,
    });
    expect(repo.inputs.cleanupPolicies).toEqual([
      { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
      { id: 'delete-old-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: `${14 * 86400}s` } },
    ]);
    expect(await valueOf(svc.imageRepository!)).toBe(`${REGION}-docker.pkg.dev/${GCP_PROJECT}/remote-mcp`);
  });

  test('artifactRegistry false creates no repository', async () => {
    const { svc } = await deploy({ artifactRegistry: false });
    expect(cloud.ofType(T.repo)).toEqual([]);
    expect(svc.imageRepository).toBeUndefined();
  });

  test('a custom domain: domain mapping to the service, and the MCP URL on the domain', async () => {
    const { svc, env } = await deploy({ domainName: 'mcp.example.com' });
    const mapping = cloud.one(T.domain);
    expect(mapping.inputs).toMatchObject({
      name: 'mcp.example.com',
      location: REGION,
      metadata: { namespace: GCP_PROJECT },
      spec: { routeName: 'remote-mcp' },
    });
    expect(await valueOf(svc.mcpUrl)).toBe('https://mcp.example.com/mcp');
    expect(envMap(env)[ENV.publicUrl]).toBe('https://mcp.example.com/mcp');
    expect(await valueOf(svc.dnsRecords!)).toEqual([{ name: 'mcp', type: 'CNAME', rrdata: 'ghs.googlehosted.com.' }]);
    // the deterministic URL is not needed then
    expect(cloud.calls.filter((c) => c.token === 'gcp:organizations/getProject:getProject')).toEqual([]);
  });
});

describe('outputs and structure', () => {
  test('client configuration snippets for the MCP URL', async () => {
    const { svc } = await deploy({ domainName: 'mcp.example.com' });
    const c = await valueOf(svc.clientConfig);
    expect(c.claudeDesktop).toBe('Settings > Connectors > Add custom connector: https://mcp.example.com/mcp');
    expect(c.claudeCode).toBe('claude mcp add --transport http remote-mcp https://mcp.example.com/mcp');
    expect(JSON.parse(c.vscode)).toEqual({
      servers: { 'remote-mcp': { type: 'http', url: 'https://mcp.example.com/mcp' } },
    });
  });

  test('every resource is a child of the component (parent: this)', async () => {
    const { tracker } = await deploy({
      secrets: { oauthClientSecret: CLIENT_SECRET },
      domainName: 'mcp.example.com',
      publicAccess: 'all-users',
    });
    const created = cloud.resources
      .filter((r) => r.type !== 'remote-mcp-stacks:gcp:McpCloudRunService')
      .map((r) => `${r.type}::${r.name}`);
    expect(created.length).toBeGreaterThan(10);
    for (const c of created) expect(tracker.seen).toContain(c);
  });

  test('project and region fall back to the gcp provider configuration', async () => {
    pulumi.runtime.setAllConfig({ 'gcp:project': 'from-config', 'gcp:region': 'asia-east1' });
    try {
      new gcpApi.McpCloudRunService('remote-mcp', { image: 'img', server: { oauthIssuer: ISSUER } });
      await settle();
      expect(cloud.one(T.service).inputs).toMatchObject({ project: 'from-config', location: 'asia-east1' });
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });

  test('deterministicUrl refuses a name that cannot have one', () => {
    expect(gcpApi.deterministicUrl('svc', '42', 'us-central1')).toBe('https://svc-42.us-central1.run.app');
    expect(() => gcpApi.deterministicUrl('a'.repeat(60), '123456789012', 'us-central1')).toThrow(/63 characters/);
  });
});

describe('bad arguments fail before anything is created', () => {
  test('request timeout above Cloud Run’s 3600 s', async () => {
    expect((await configError({ requestTimeoutSeconds: 4000 })).message).toMatch(
      /requestTimeoutSeconds must be a whole number from 1 to 3600, got 4000/,
    );
  });
  test('request timeout not above the keep-alive', async () => {
    expect((await configError({ requestTimeoutSeconds: 15 })).message).toMatch(
      /requestTimeoutSeconds \(15\) must exceed the server's keepAliveSeconds \(15\)/,
    );
    expect(
      (await configError({ requestTimeoutSeconds: 60, server: { oauthIssuer: ISSUER, keepAliveSeconds: 60 } })).message,
    ).toMatch(/must exceed/);
  });
  test('a drain longer than Cloud Run’s SIGTERM grace allows', async () => {
    expect((await configError({ server: { oauthIssuer: ISSUER, drainSeconds: 9 } })).message).toMatch(
      /drainSeconds must be at most 8 .*10 s after SIGTERM.*got 9/,
    );
  });
  test('loopback-only auth modes and incomplete auth', async () => {
    expect((await configError({ server: { authMode: 'none' } })).message).toMatch(/only runs on loopback/);
    expect((await configError({ server: { authMode: 'dev' } })).message).toMatch(/only runs on loopback/);
    expect((await configError({ server: {} })).message).toMatch(/needs oauthIssuer/);
    expect((await configError({ server: { authMode: 'token' } })).message).toMatch(
      /authMode 'token' needs bearer tokens/,
    );
    expect((await configError({ server: { oauthIssuer: 'http://auth.example.com' } })).message).toMatch(
      /oauthIssuer must be an https:\/\/ URL/,
    );
    const introspection = { oauthIssuer: ISSUER, oauthIntrospectionUrl: 'https://auth.example.com/introspect' };
    expect((await configError({ server: introspection, secrets: { oauthClientSecret: 'x' } })).message).toMatch(
      /oauthIntrospectionUrl needs oauthClientId/,
    );
    expect((await configError({ server: { ...introspection, oauthClientId: 'mcp' } })).message).toMatch(
      /oauthIntrospectionUrl needs the client secret \(OAUTH_CLIENT_SECRET\)/,
    );
    expect(
      (await configError({ server: { oauthIssuer: ISSUER, publicUrl: 'https://mcp.example.com/mcp#x' } })).message,
    ).toMatch(/publicUrl must not contain a query or fragment/);
  });
  test('concurrency, scaling, size', async () => {
    expect((await configError({ concurrency: 1001 })).message).toMatch(
      /concurrency must be a whole number from 1 to 1000/,
    );
    expect((await configError({ concurrency: 0 })).message).toMatch(/concurrency/);
    expect((await configError({ minInstances: 5, maxInstances: 2 })).message).toMatch(
      /minInstances \(5\) must not exceed maxInstances \(2\)/,
    );
    expect((await configError({ cpu: 'lots' })).message).toMatch(/cpu must look like/);
    expect((await configError({ memory: '512MB' })).message).toMatch(/memory must look like/);
    expect((await configError({ cpu: '500m' })).message).toMatch(
      /cpuAlwaysAllocated \(instance-based billing\) needs cpu of at least 1 and memory of at least 512Mi/,
    );
    expect((await configError({ memory: '256Mi' })).message).toMatch(/cpuAlwaysAllocated/);
    expect((await configError({ cpuAlwaysAllocated: false, cpu: '0.5' })).message).toMatch(
      /cpu below 1 needs concurrency 1 .*got cpu '0.5' with concurrency 200/,
    );
  });
  test('names, domain, access', async () => {
    expect((await configError({ serviceName: 'Remote_MCP' })).message).toMatch(/serviceName must be lowercase/);
    expect((await configError({ serviceName: 'a'.repeat(50) })).message).toMatch(/at most 49 characters/);
    expect((await configError({ domainName: 'https://mcp.example.com' })).message).toMatch(
      /domainName must be a host name/,
    );
    expect((await configError({ publicAccess: 'everyone' as never })).message).toMatch(/publicAccess must be/);
  });
  test('no project anywhere', async () => {
    const envNames = ['GOOGLE_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'];
    const saved = envNames.map((n) => [n, process.env[n]] as const);
    envNames.forEach((n) => delete process.env[n]);
    try {
      expect((await configError({ project: undefined })).message).toMatch(/gcp:project/);
    } finally {
      for (const [n, v] of saved) if (v !== undefined) process.env[n] = v;
    }
  });
});

describe('McpImageRepository on its own', () => {
  test('creates the repository and enables its API', async () => {
    const tracker = parentTracker();
    const repo = new gcpApi.McpImageRepository(
      'images',
      { project: GCP_PROJECT, region: REGION, repositoryId: 'mcp' },
      tracker.opts,
    );
    expect(await valueOf(repo.imageRepository)).toBe(`${REGION}-docker.pkg.dev/${GCP_PROJECT}/mcp`);
    await settle();
    expect(cloud.one(T.repo).inputs).toMatchObject({ repositoryId: 'mcp', format: 'DOCKER' });
    expect(cloud.one(T.api).inputs.service).toBe('artifactregistry.googleapis.com');
    for (const r of cloud.customResources()) expect(tracker.seen).toContain(`${r.type}::${r.name}`);
  });
  test('rejects a bad repository ID', () => {
    expect(
      () => new gcpApi.McpImageRepository('images', { project: GCP_PROJECT, region: REGION, repositoryId: 'Bad_Name' }),
    ).toThrow(/repositoryId must be/);
  });
});

describe('shared session store (sessionStore)', () => {
  const S = {
    redis: 'gcp:redis/instance:Instance',
    network: 'gcp:compute/network:Network',
    subnet: 'gcp:compute/subnetwork:Subnetwork',
    firewall: 'gcp:compute/firewall:Firewall',
  } as const;
  const NETWORK_ID = `projects/${GCP_PROJECT}/global/networks/remote-mcp-sessions`;
  const SUBNET_ID = `projects/${GCP_PROJECT}/regions/${REGION}/subnetworks/remote-mcp-run-egress`;
  const TAG = 'remote-mcp-redis-client';
  const STATEFUL = { oauthIssuer: ISSUER, sessionMode: 'stateful' as const };

  test('true: Memorystore for Redis 7.2, BASIC, 1 GiB, AUTH and TLS, direct peering on a network made for the service', async () => {
    const { svc } = await deploy({ server: STATEFUL, sessionStore: true });
    const instance = cloud.one(S.redis);
    expect(instance.inputs).toMatchObject({
      project: GCP_PROJECT,
      region: REGION,
      name: 'remote-mcp-sessions',
      tier: 'BASIC',
      memorySizeGb: 1,
      redisVersion: 'REDIS_7_2',
      authEnabled: true,
      transitEncryptionMode: 'SERVER_AUTHENTICATION',
      connectMode: 'DIRECT_PEERING',
      authorizedNetwork: NETWORK_ID,
      deletionProtection: true,
    });
    expect(cloud.one(S.network).inputs).toMatchObject({
      name: 'remote-mcp-sessions',
      autoCreateSubnetworks: false,
      project: GCP_PROJECT,
    });
    expect(cloud.one(S.subnet).inputs).toMatchObject({
      name: 'remote-mcp-run-egress',
      network: NETWORK_ID,
      region: REGION,
      ipCidrRange: '10.8.0.0/24',
    });
    expect(svc.sessionStore).toBeDefined();
    expect(await valueOf(svc.network!.id)).toBe(NETWORK_ID);
    expect(await valueOf(svc.redisUrlSecretId!)).toBe('remote-mcp-redis-url');
    expect(gcpApi.redisInstanceId('a'.repeat(49))).toHaveLength(40);
  });

  test('Direct VPC egress on the created subnet, private ranges only, with the network tag the firewall allows', async () => {
    const { service } = await deploy({ server: STATEFUL, sessionStore: true });
    expect(service.inputs.template.vpcAccess).toEqual({
      egress: 'PRIVATE_RANGES_ONLY',
      networkInterfaces: [{ network: NETWORK_ID, subnetwork: SUBNET_ID, tags: [TAG] }],
    });
    expect(service.inputs.template.vpcAccess.connector).toBeUndefined();
  });

  test('REDIS_URL: rediss:// with the AUTH string, a Pulumi secret in Secret Manager, in the container only by secretKeyRef', async () => {
    const { env, svc } = await deploy({ server: STATEFUL, sessionStore: true });
    const secret = cloud.named(T.secret, 'remote-mcp-redis-url');
    expect(secret.inputs.secretId).toBe('remote-mcp-redis-url');
    const version = cloud.named(T.version, 'remote-mcp-redis-url');
    expect(isSecretValue(version.inputs.secretData)).toBe(true);
    expect(version.inputs.secretData.value).toBe(
      redisUrl(REDIS_HOST, { port: 6378, tls: true, password: REDIS_AUTH_STRING }),
    );
    expect(version.inputs.secretData.value).toMatch(/^rediss:\/\/:mock-auth-string-9f3a@10\.163\.0\.3:6378$/);
    expect(env.filter((e) => e.name === ENV.redisUrl)).toEqual([
      { name: ENV.redisUrl, valueSource: { secretKeyRef: { secret: 'remote-mcp-redis-url', version: '1' } } },
    ]);
    expect(svc.secrets[ENV.redisUrl]).toBeDefined();
    expect(await pulumi.isSecret(svc.redisUrl!)).toBe(true);
    expect(await valueOf(svc.redisUrl!)).toBe(version.inputs.secretData.value);
    expect(await pulumi.isSecret(svc.mcpUrl)).toBe(false);
    // neither the AUTH string nor the URL appears outside Pulumi secrets
    const plain = cloud.resources.flatMap((r) => plainStrings(r.inputs));
    expect(plain.filter((s) => s.includes(REDIS_AUTH_STRING))).toEqual([]);
  });

  test('secretAccessor on the URL and CA secrets, for the service account only; no other IAM binding', async () => {
    await deploy({ server: STATEFUL, sessionStore: true });
    const members = cloud.ofType(T.secretIam);
    expect(members.map((m) => m.inputs.secretId).sort()).toEqual([
      'remote-mcp-redis-ca',
      'remote-mcp-redis-url',
      'remote-mcp-request-state-keys',
    ]);
    for (const m of members) {
      expect(m.inputs).toMatchObject({
        role: 'roles/secretmanager.secretAccessor',
        member: `serviceAccount:remote-mcp-run@${GCP_PROJECT}.iam.gserviceaccount.com`,
      });
    }
    const iamTypes = cloud.resources.map((r) => r.type).filter((t) => /iam(member|binding|policy)/i.test(t));
    expect(new Set(iamTypes)).toEqual(new Set([T.secretIam]));
  });

  test("the instance's server CA is mounted from Secret Manager and NODE_EXTRA_CA_CERTS points at it", async () => {
    const { service, container, env, svc } = await deploy({ server: STATEFUL, sessionStore: true });
    const ca = cloud.named(T.version, 'remote-mcp-redis-ca');
    expect(ca.inputs.secretData.value).toBe(`${REDIS_CA_PEM}\n`);
    expect(await valueOf(svc.sessionStoreCaCerts!)).toBe(`${REDIS_CA_PEM}\n`);
    expect(service.inputs.template.volumes).toEqual([
      { name: 'redis-ca', secret: { secret: 'remote-mcp-redis-ca', items: [{ version: '1', path: 'server-ca.pem' }] } },
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'redis-ca', mountPath: '/etc/redis-ca' }]);
    expect(envMap(env).NODE_EXTRA_CA_CERTS).toBe('/etc/redis-ca/server-ca.pem');
  });

  test("egress rules: only the service's tag may connect to the instance's range; no (ineffective) ingress rule", async () => {
    await deploy({ server: STATEFUL, sessionStore: true });
    const rules = cloud.ofType(S.firewall);
    expect(rules).toHaveLength(2);
    const allow = cloud.named(S.firewall, 'remote-mcp-redis-allow');
    const deny = cloud.named(S.firewall, 'remote-mcp-redis-deny');
    expect(allow.inputs).toMatchObject({
      network: NETWORK_ID,
      direction: 'EGRESS',
      destinationRanges: ['10.163.0.0/29'],
      targetTags: [TAG],
      allows: [{ protocol: 'tcp', ports: ['6378'] }],
    });
    expect(deny.inputs).toMatchObject({
      network: NETWORK_ID,
      direction: 'EGRESS',
      destinationRanges: ['10.163.0.0/29'],
      denies: [{ protocol: 'all' }],
    });
    expect(deny.inputs.targetTags).toBeUndefined();
    // the allow rule wins: a lower number is a higher priority
    expect(allow.inputs.priority).toBeLessThan(deny.inputs.priority);
    expect(rules.filter((r) => r.inputs.direction !== 'EGRESS')).toEqual([]);
  });

  test('the redis, compute and secretmanager APIs are enabled', async () => {
    await deploy({ server: STATEFUL, sessionStore: true });
    expect(
      cloud
        .ofType(T.api)
        .map((a) => a.inputs.service)
        .sort(),
    ).toEqual([
      'artifactregistry.googleapis.com',
      'compute.googleapis.com',
      'iam.googleapis.com',
      'redis.googleapis.com',
      'run.googleapis.com',
      'secretmanager.googleapis.com',
    ]);
  });

  test('stateful with a store: no warning that sessions break on scale-out; session affinity stays (latency only)', async () => {
    let deployed!: Awaited<ReturnType<typeof deploy>>;
    const warnings = await warningsDuring(async () => {
      deployed = await deploy({ server: STATEFUL, sessionStore: true });
    });
    expect(warnings.join('\n')).not.toMatch(/sessionMode 'stateful'|sessions break/);
    expect(deployed.service.inputs.template.sessionAffinity).toBe(true);
    expect(deployed.service.inputs.template.scaling.maxInstanceCount).toBe(10);
    // without one, the warning names the store as a way out
    cloud.reset();
    const without = await warningsDuring(() => deploy({ server: STATEFUL }));
    expect(without.join('\n')).toMatch(
      /sessions break on scale-out.*or give the service a shared session store \(sessionStore: true\)/,
    );
  });

  test('stateless on up to 10 instances (the default) with a store: created and injected, it carries listen notifications between instances', async () => {
    const { service, env, container } = await deploy({ sessionStore: true });
    expect(cloud.ofType(S.redis)).toHaveLength(1);
    expect(service.inputs.template.scaling.maxInstanceCount).toBe(10);
    expect(env.find((e) => e.name === ENV.redisUrl)?.valueSource.secretKeyRef).toMatchObject({
      secret: 'remote-mcp-redis-url',
    });
    expect(envMap(env).NODE_EXTRA_CA_CERTS).toBe('/etc/redis-ca/server-ca.pem');
    expect(container.volumeMounts).toEqual([{ name: 'redis-ca', mountPath: '/etc/redis-ca' }]);
    expect(service.inputs.template.vpcAccess.egress).toBe('PRIVATE_RANGES_ONLY');
    expect(envMap(env)[ENV.sessionMode]).not.toBe('stateful');
    expect(service.inputs.template.sessionAffinity).toBe(false);
  });

  test('stateless on at most one instance with a store is refused: nothing would read it', async () => {
    expect((await configError({ maxInstances: 1, sessionStore: true })).message).toMatch(
      /sessionStore is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several instances.*this service never runs more than one instance.*billed Memorystore instance that nothing reads/,
    );
    expect((await configError({ minInstances: 1, maxInstances: 1, sessionStore: true })).message).toMatch(
      /this service runs one instance/,
    );
    // Stateful on one instance keeps its store.
    const { env } = await deploy({ server: STATEFUL, maxInstances: 1, sessionStore: true });
    expect(env.map((e) => e.name)).toContain(ENV.redisUrl);
  });

  test('no store: no Memorystore, network, firewall, VPC egress, REDIS_URL or CA', async () => {
    let deployed!: Awaited<ReturnType<typeof deploy>>;
    await warningsDuring(async () => {
      deployed = await deploy({ server: STATEFUL });
    });
    const { service, container, env } = deployed;
    for (const t of Object.values(S)) expect(cloud.ofType(t)).toEqual([]);
    expect(service.inputs.template.vpcAccess).toBeUndefined();
    expect(service.inputs.template.volumes).toBeUndefined();
    expect(container.volumeMounts).toBeUndefined();
    expect(env.map((e) => e.name)).not.toContain(ENV.redisUrl);
    expect(env.map((e) => e.name)).not.toContain('NODE_EXTRA_CA_CERTS');
    expect(container.startupProbe.failureThreshold).toBe(30);
    expect(notKeys(T.secret)).toEqual([]);
  });

  test('with VPC egress the startup probe allows 180 s (first connections through the VPC can take a minute or more)', async () => {
    const { container } = await deploy({ server: STATEFUL, sessionStore: true });
    expect(container.startupProbe).toMatchObject({
      httpGet: { path: '/readyz', port: 8080 },
      periodSeconds: 2,
      failureThreshold: 90,
    });
  });

  test('settings: STANDARD_HA, size, version, an existing network and subnet (no network created)', async () => {
    const { service } = await deploy({
      server: STATEFUL,
      sessionStore: {
        tier: 'STANDARD_HA',
        memorySizeGb: 5,
        redisVersion: 'REDIS_7_0',
        network: 'shared-net',
        subnetwork: 'run-subnet',
      },
    });
    expect(cloud.one(S.redis).inputs).toMatchObject({
      tier: 'STANDARD_HA',
      memorySizeGb: 5,
      redisVersion: 'REDIS_7_0',
      authorizedNetwork: 'shared-net',
    });
    expect(cloud.ofType(S.network)).toEqual([]);
    expect(cloud.ofType(S.subnet)).toEqual([]);
    expect(service.inputs.template.vpcAccess.networkInterfaces).toEqual([
      { network: 'shared-net', subnetwork: 'run-subnet', tags: [TAG] },
    ]);
    expect(cloud.ofType(S.firewall).map((f) => f.inputs.network)).toEqual(['shared-net', 'shared-net']);
    // egressFirewall false (a Shared VPC of another project): no rule, no compute API
    cloud.reset();
    await deploy({ server: STATEFUL, sessionStore: { network: 'shared-net', egressFirewall: false } });
    expect(cloud.ofType(S.firewall)).toEqual([]);
    expect(cloud.ofType(T.api).map((a) => a.inputs.service)).not.toContain('compute.googleapis.com');
    expect(cloud.ofType(T.api).map((a) => a.inputs.service)).toContain('redis.googleapis.com');
  });

  test('an existing store: its secret by secretKeyRef (latest), read access on it alone, its network if given; nothing created', async () => {
    const secretName = `projects/${GCP_PROJECT}/secrets/shared-redis-url`;
    const { env, service } = await deploy({
      server: STATEFUL,
      sessionStore: { redisUrlSecret: secretName, network: 'shared-net', subnetwork: 'run-subnet' },
    });
    for (const t of Object.values(S)) expect(cloud.ofType(t)).toEqual([]);
    expect(notKeys(T.secret)).toEqual([]);
    expect(env.filter((e) => e.name === ENV.redisUrl)).toEqual([
      { name: ENV.redisUrl, valueSource: { secretKeyRef: { secret: secretName, version: 'latest' } } },
    ]);
    expect(notKeys(T.secretIam)[0]!.inputs).toMatchObject({
      secretId: secretName,
      role: 'roles/secretmanager.secretAccessor',
    });
    expect(service.inputs.template.vpcAccess).toEqual({
      egress: 'PRIVATE_RANGES_ONLY',
      networkInterfaces: [{ network: 'shared-net', subnetwork: 'run-subnet' }],
    });
    expect(cloud.ofType(T.api).map((a) => a.inputs.service)).toContain('secretmanager.googleapis.com');
  });

  test('every store resource is a child of the component', async () => {
    const { tracker } = await deploy({ server: STATEFUL, sessionStore: true });
    const created = cloud.customResources().map((r) => `${r.type}::${r.name}`);
    expect(created.filter((c) => c.startsWith('gcp:redis') || c.startsWith('gcp:compute'))).toHaveLength(5);
    for (const c of created) expect(tracker.seen).toContain(c);
  });

  test('bad store settings fail before anything is created', async () => {
    const err = async (sessionStore: Args['sessionStore']) =>
      (await configError({ server: STATEFUL, sessionStore })).message;
    expect(await err({ tier: 'PREMIUM' as never })).toMatch(/sessionStore.tier must be BASIC or STANDARD_HA/);
    expect(await err({ memorySizeGb: 0 })).toMatch(/sessionStore.memorySizeGb must be a whole number from 1 to 300/);
    expect(await err({ redisVersion: 'REDIS_6_X' })).toMatch(/sessionStore.redisVersion must be REDIS_7_0 or later/);
    expect(await err({ subnetwork: 'x' })).toMatch(/sessionStore.subnetwork needs sessionStore.network/);
    expect(await err({ subnetCidr: '10.0.0.0/28' })).toMatch(/subnetCidr must be an IPv4 range from \/8 to \/26/);
    expect(await err({ network: 'n', subnetCidr: '10.0.0.0/24' })).toMatch(
      /subnetCidr applies only to the network the component creates/,
    );
    expect(await err({ redisUrlSecret: 's', tier: 'BASIC' } as never)).toMatch(
      /redisUrlSecret names an existing store: tier/,
    );
  });
});
