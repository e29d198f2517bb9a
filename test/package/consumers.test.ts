/**
 * The package as other stacks import it: `npm pack` (through its `prepack` build), installed into a fresh CDK app
 * and a fresh Pulumi program, as a stranger would. The CDK app synthesizes the construct with the compliance
 * checks; the Pulumi program runs the components under mocks; the types resolve under every TypeScript
 * `moduleResolution` in use; and an infra-only consumer gets none of the server's runtime stack.
 *
 * Registry installs use the local npm cache first (`--prefer-offline`), at the versions this checkout uses.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(900_000);

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  private?: boolean;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  serverDependencies: string[];
};
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The version this checkout has installed: the cache surely holds it. */
const installed = (name: string) =>
  `${name}@${JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version}`;
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd,
    stdio: 'pipe',
    encoding: 'utf8',
  });
const node = (file: string, cwd: string) =>
  execFileSync(process.execPath, [file], { cwd, stdio: 'pipe', encoding: 'utf8' });

let work: string;
let tarball: string;

/** Every installed package of a project (npm's hidden lockfile lists each `node_modules/...` path once). */
function installedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'));
}

/** A fresh consumer project with the tarball and `deps` installed. */
function consumer(name: string, deps: string[]): string {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  npm(['install', tarball, ...deps.map(installed)], dir);
  return dir;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rms-consumers-'));
  // Packed from a copy of the sources (the checkout's own dist is left alone), through the package's prepack build.
  const src = join(work, 'src');
  for (const entry of [
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
    'Dockerfile',
    'server',
    'infra',
  ]) {
    cpSync(join(ROOT, entry), join(src, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const out = npm(['pack', '--json', '--pack-destination', work], src);
  const [packed] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed!.filename);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the manifest: installable, built on pack, no server runtime for infra consumers', () => {
  expect(pkg.private).toBeUndefined();
  expect(pkg.scripts.prepack).toMatch(/npm run build$/);
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(existsSync(tarball)).toBe(true);
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const entry of ['server/index', 'infra/cdk/index', 'infra/pulumi/aws/index', 'infra/pulumi/gcp/index']) {
    expect(listing).toContain(`package/dist/${entry}.js`);
    expect(listing).toContain(`package/dist/${entry}.d.ts`);
  }
  expect(listing.filter((f) => /^package\/(test|bench|stack)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
});

describe('a fresh CDK app', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('cdk-consumer', [
      'aws-cdk-lib',
      'constructs',
      'cdk-nag',
      '@cdklabs/cdk-validator-cfnguard',
      '@types/node',
    ]);
  });

  test("gets none of the server's runtime dependencies", () => {
    const packages = installedPackages(dir);
    console.log(`CDK consumer: ${packages.length} packages installed`);
    const names = new Set(packages.map((p) => p.replace(/^.*node_modules\//, '')));
    expect(pkg.serverDependencies.filter((d) => names.has(d))).toEqual([]);
    expect(names.has('remote-mcp-stacks')).toBe(true);
  });

  test('importing the server entry without its runtime stack says what to install, in one line', () => {
    const run = (() => {
      try {
        execFileSync(
          process.execPath,
          ['-e', "try { require('remote-mcp-stacks/server') } catch (e) { console.error(e.message); process.exit(3) }"],
          { cwd: dir, stdio: 'pipe', encoding: 'utf8' },
        );
        return { status: 0, stderr: '' };
      } catch (e) {
        return e as { status: number; stderr: string };
      }
    })();
    expect(run.status).toBe(3);
    expect(run.stderr.trim()).toBe(
      `remote-mcp-stacks/server needs the server's runtime dependencies (optional peers, so infrastructure-only projects skip them): npm install ${pkg.serverDependencies.join(' ')}`,
    );
  });

  test('synthesizes the construct with the compliance checks', () => {
    writeFileSync(
      join(dir, 'app.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const acm = require('aws-cdk-lib/aws-certificatemanager');
const ecs = require('aws-cdk-lib/aws-ecs');
const { McpFargateService, addComplianceChecks } = require('remote-mcp-stacks/cdk');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer', { env: { region: 'eu-west-1' } });
const mcp = new McpFargateService(stack, 'Mcp', {
  certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'),
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/mcp:1.0.0'),
  domainName: 'mcp.example.com',
  serverSettings: { oauthIssuer: 'https://auth.example.com' },
});
addComplianceChecks(app);
const template = app.synth().getStackByName('Consumer').template;
console.log(JSON.stringify({ url: stack.resolve(mcp.url), types: [...new Set(Object.values(template.Resources).map((r) => r.Type))] }));
`,
    );
    const result = JSON.parse(node('app.js', dir).trim().split('\n').pop()!) as { url: string; types: string[] };
    expect(result.url).toBe('https://mcp.example.com/mcp');
    expect(result.types).toEqual(
      expect.arrayContaining([
        'AWS::ECS::Service',
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'AWS::ECS::TaskDefinition',
      ]),
    );
  });

  test.each([
    ['commonjs', 'node10'],
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ])('types resolve with module %s, moduleResolution %s', (module, moduleResolution) => {
    const file = join(dir, `types-${moduleResolution}.ts`);
    writeFileSync(
      file,
      `import { McpFargateService, type McpFargateServiceProps } from 'remote-mcp-stacks/cdk';
import { ENV, type ServerSettings } from 'remote-mcp-stacks/server';
const settings: ServerSettings = { oauthIssuer: 'https://auth.example.com' };
const props: Partial<McpFargateServiceProps> = { serverSettings: settings };
// A wrong type must be an error: the declarations were found, not silently typed any.
// @ts-expect-error
const wrong: McpFargateServiceProps['domainName'] = 42;
export { McpFargateService, ENV, props, wrong };
`,
    );
    const args = [
      TSC,
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      '--module',
      module,
      '--moduleResolution',
      moduleResolution,
      '--target',
      'es2022',
      file,
    ];
    const run = (() => {
      try {
        execFileSync(process.execPath, args, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
        return '';
      } catch (e) {
        return String((e as { stdout: string }).stdout);
      }
    })();
    expect(run).toBe('');
  });
});

describe('a fresh Pulumi program', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('pulumi-consumer', ['@pulumi/pulumi', '@pulumi/aws', '@pulumi/gcp']);
  });

  test("gets none of the server's runtime dependencies", () => {
    const packages = installedPackages(dir);
    console.log(`Pulumi consumer: ${packages.length} packages installed`);
    const names = new Set(packages.map((p) => p.replace(/^.*node_modules\//, '')));
    // @pulumi/pulumi brings OpenTelemetry packages of its own: only what nothing but this package asks for counts.
    const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<
        string,
        { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
      >;
    };
    const wantedByOthers = new Set(
      Object.entries(lock.packages)
        .filter(([path]) => !path.endsWith('node_modules/remote-mcp-stacks'))
        .flatMap(([, meta]) => [
          ...Object.keys(meta.dependencies ?? {}),
          ...Object.keys(meta.optionalDependencies ?? {}),
        ]),
    );
    expect(pkg.serverDependencies.filter((d) => names.has(d) && !wantedByOthers.has(d))).toEqual([]);
    // And the server's own stack (the MCP SDKs, express, oidc-provider…) is not there at all.
    expect(
      ['@modelcontextprotocol/sdk', '@modelcontextprotocol/server', 'express', 'oidc-provider', 'ioredis'].filter((d) =>
        names.has(d),
      ),
    ).toEqual([]);
  });

  test('runs the AWS and GCP components under mocks', () => {
    writeFileSync(
      join(dir, 'program.js'),
      `const pulumi = require('@pulumi/pulumi');
const types = [];
pulumi.runtime.setMocks({
  newResource: (args) => { types.push(args.type); return { id: args.name + '-id', state: { ...args.inputs, arn: 'arn:aws:mock:eu-west-1:123456789012:' + args.name, dnsName: args.name + '.elb.amazonaws.com', name: args.inputs.name || args.name } }; },
  call: (args) => args.token === 'gcp:organizations/getProject:getProject' ? { projectId: 'demo', number: '123456789012' }
    : args.token === 'aws:index/getRegion:getRegion' ? { name: 'eu-west-1', region: 'eu-west-1', id: 'eu-west-1' }
    : args.token === 'aws:index/getCallerIdentity:getCallerIdentity' ? { accountId: '123456789012' } : args.inputs,
}, 'consumer', 'dev', true).then(async () => {
  const aws = require('remote-mcp-stacks/pulumi/aws');
  const gcp = require('remote-mcp-stacks/pulumi/gcp');
  const value = (o) => new Promise((resolve) => o.apply(resolve));
  const fargate = new aws.McpFargateService('fargate', {
    image: 'public.ecr.aws/example/mcp:1.0.0', vpcId: 'vpc-1', publicSubnetIds: ['subnet-a', 'subnet-b'], privateSubnetIds: ['subnet-c', 'subnet-d'],
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', domainName: 'mcp.example.com', server: { oauthIssuer: 'https://auth.example.com' },
  });
  const run = new gcp.McpCloudRunService('run', { image: 'us-docker.pkg.dev/demo/mcp/server:1', project: 'demo', region: 'europe-west1', server: { oauthIssuer: 'https://auth.example.com' } });
  const urls = [await value(fargate.mcpUrl), await value(run.mcpUrl)];
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify({ urls, types: [...new Set(types)] }));
});
`,
    );
    const result = JSON.parse(node('program.js', dir).trim().split('\n').pop()!) as { urls: string[]; types: string[] };
    expect(result.urls[0]).toBe('https://mcp.example.com/mcp');
    expect(result.urls[1]).toMatch(/^https:\/\/.*\.run\.app\/mcp$/);
    expect(result.types).toEqual(expect.arrayContaining(['aws:ecs/service:Service', 'gcp:cloudrunv2/service:Service']));
  });
});
