/**
 * The project as `pulumi up` sees it: Pulumi.yaml (name, runtime, main, declared configuration), the example
 * stack files, and the entry point infra/pulumi/index.ts — imported fresh per cloud, and once more through
 * ts-node from the program folder as the Node.js language host runs it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as pulumi from '@pulumi/pulumi';
import * as yaml from 'js-yaml';
import { CONFIG_KEYS, PROGRAM_DEFAULTS, SECRET_KEYS } from '../../../infra/pulumi/config';
import { PROJECT, configErrorOf, setConfig, settle, useMocks, valueOf, type MockCloud } from './mocks';
import { cliConfig, fromStackFile, validateConfigValue, type Project as CliProject } from './pulumi-cli';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

const project = yaml.load(read('Pulumi.yaml')) as CliProject & {
  main: string;
  runtime: { name: string; options?: Record<string, unknown> };
};

/** What the CLI hands the program for a stack file, or the errors it stops with (Pulumi.yaml's rules applied). */
function cliStack(values: Record<string, unknown>, secretKeys: string[] = []) {
  return cliConfig(
    project,
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fromStackFile(v, secretKeys.includes(k))])),
  );
}

let cloud: MockCloud;
beforeAll(async () => {
  cloud = await useMocks();
});
beforeEach(() => cloud.reset());
afterAll(() => setConfig({}));

describe('Pulumi.yaml', () => {
  test('project name is the config namespace the program and tests use', () => {
    expect(project.name).toBe('remote-mcp-stacks');
    expect(project.name).toBe(PROJECT);
    expect(JSON.parse(read('package.json')).name).toBe(project.name);
  });

  test('Node.js with TypeScript; main is a file, so the host never falls back to the root package (the server)', () => {
    expect(project.runtime.name).toBe('nodejs');
    expect(project.runtime.options?.typescript).toBe(true);
    expect(project.main).toBe('infra/pulumi/index.ts');
    expect(fs.statSync(path.join(ROOT, project.main)).isFile()).toBe(true);
    // The host runs from the main file's folder and reads ./tsconfig.json there (it does not search upward).
    const tsconfig = path.join(ROOT, path.dirname(project.main), 'tsconfig.json');
    expect(fs.existsSync(tsconfig)).toBe(true);
    // The root package's main is the server: that is what a directory `main` would have run.
    expect(JSON.parse(read('package.json')).main).toMatch(/^dist\/server\//);
  });

  test('declares exactly the keys the program reads, each typed and described', () => {
    const declared = Object.keys(project.config);
    expect(declared.filter((k) => k.includes(':'))).toEqual([]); // provider keys are set per stack
    expect(new Set(declared)).toEqual(new Set(CONFIG_KEYS));
    for (const [key, d] of Object.entries(project.config)) {
      expect([key, ['string', 'integer', 'boolean'].includes(d.type ?? '')]).toEqual([key, true]);
      expect([key, typeof d.description]).toEqual([key, 'string']);
      expect(d.value).toBeUndefined();
    }
  });

  test('only `cloud` is required by the CLI: every other key has a default, so a stack sets only what it needs', () => {
    // The CLI refuses a stack that leaves a key without a default unset ("is missing configuration values").
    expect(
      Object.entries(project.config)
        .filter(([, d]) => d.default === undefined)
        .map(([k]) => k),
    ).toEqual(['cloud']);
    expect(cliStack({}).errors).toEqual(["Stack 'dev' is missing configuration value 'cloud'"]);
    expect(cliStack({ cloud: 'gcp', 'gcp:project': 'p', 'gcp:region': 'r' }).errors).toEqual([]);
    expect(
      cliStack({
        cloud: 'aws',
        'aws:region': 'us-east-1',
        certificateArn: 'arn:x',
        vpcId: 'vpc-1',
        publicSubnetIds: 'a,b',
        privateSubnetIds: 'c,d',
      }).errors,
    ).toEqual([]);
    // Every default is of its declared type (the CLI checks that when it loads Pulumi.yaml).
    for (const [key, d] of Object.entries(project.config)) {
      if (d.default !== undefined) expect([key, validateConfigValue(d.type!, d.items, d.default)]).toEqual([key, true]);
    }
  });

  test('lists are strings, set comma-separated: the form `pulumi config set oauthScopes a,b` writes', () => {
    const lists = ['oauthScopes', 'allowedOrigins', 'publicSubnetIds', 'privateSubnetIds'];
    for (const key of lists) {
      expect([key, project.config[key]!.type]).toEqual([key, 'string']);
      expect([key, project.config[key]!.description]).toEqual([key, expect.stringMatching(/comma-separated/)]);
    }
    expect(cliStack({ cloud: 'gcp', oauthScopes: 'mcp:tools,mcp:read' }).errors).toEqual([]);
    // `--path 'oauthScopes[0]'` writes a list, which a string key refuses: the docs must not suggest it.
    expect(cliStack({ cloud: 'gcp', oauthScopes: ['mcp:tools'] }).errors).toEqual([
      "Stack 'dev' with configuration key 'oauthScopes' must be of type 'string'",
    ]);
    expect(read('docs/pulumi.md')).not.toMatch(/pulumi config set (--secret )?--path/);
  });

  test("defaults equal the program's own, and the empty defaults mean 'not set'", () => {
    const nonEmpty = Object.fromEntries(
      Object.entries(project.config)
        .filter(([, d]) => d.default !== undefined && d.default !== '')
        .map(([k, d]) => [k, d.default]),
    );
    expect(nonEmpty).toEqual(PROGRAM_DEFAULTS);
    for (const [k, v] of Object.entries(nonEmpty)) {
      const t = project.config[k]!.type;
      expect([k, typeof v]).toEqual([k, t === 'integer' ? 'number' : t]);
    }
  });

  test('the secret keys are not declared `secret: true` (with their empty default the CLI would refuse every stack), and no other key is', () => {
    expect(
      Object.entries(project.config)
        .filter(([, d]) => d.secret)
        .map(([k]) => k),
    ).toEqual([]);
    for (const k of SECRET_KEYS) {
      expect(project.config[k]!.default).toBe('');
      expect(project.config[k]!.description).toMatch(/^Secret, set with --secret\./);
    }
    // What `secret: true` would do: a stack without the key fails on the (unencrypted) default.
    const declaredSecret = {
      ...project,
      config: { ...project.config, bearerTokens: { ...project.config.bearerTokens!, secret: true } },
    };
    expect(cliConfig(declaredSecret, { cloud: fromStackFile('gcp') }).errors).toEqual([
      "Stack 'dev' with configuration key 'bearerTokens' must be encrypted as it's secret",
    ]);
  });

  test('a secret key set without --secret is refused by the program, without echoing the value', async () => {
    const { runProgram } = await import('../../../infra/pulumi/program');
    for (const key of SECRET_KEYS) {
      const { config, secretKeys } = cliStack({
        cloud: 'gcp',
        'gcp:project': 'p1',
        'gcp:region': 'us-central1',
        image: 'img',
        oauthIssuer: 'https://id.example.com',
        [key]: 'plain-text-value-123456',
      });
      pulumi.runtime.setAllConfig(config, secretKeys);
      const error = await configErrorOf(cloud, () => runProgram());
      expect(error.message).toBe(
        `Invalid configuration remote-mcp-stacks:${key}: is stored in plain text in the stack's configuration file: set it again with \`pulumi config set --secret ${key} <value>\``,
      );
      expect(error.message).not.toContain('plain-text-value');
    }
  });
});

describe('docs/pulumi.md', () => {
  const doc = read('docs/pulumi.md');
  test('every configuration key is in the configuration table', () => {
    for (const key of CONFIG_KEYS)
      expect([key, new RegExp(`^\\|[^\\n]*\`${key}\`[^\\n]*\\|`, 'm').test(doc)]).toEqual([key, true]);
  });
  test('the import samples use the package entry points', () => {
    expect(doc).toContain("import { McpCloudRunService } from 'remote-mcp-stacks/pulumi/gcp';");
    expect(doc).toContain("import { McpFargateService } from 'remote-mcp-stacks/pulumi/aws';");
    const exportsMap = JSON.parse(read('package.json')).exports as Record<string, { default: string }>;
    expect(exportsMap['./pulumi/gcp']!.default).toBe('./dist/infra/pulumi/gcp/index.js');
    expect(exportsMap['./pulumi/aws']!.default).toBe('./dist/infra/pulumi/aws/index.js');
    expect(fs.existsSync(path.join(ROOT, 'infra/pulumi/gcp/index.ts'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'infra/pulumi/aws/index.ts'))).toBe(true);
  });
});

/** A stack file's configuration → what the CLI hands the program (Pulumi.yaml's defaults applied, types checked). */
function stackConfig(file: string): Record<string, string> {
  const doc = yaml.load(read(file)) as { config: Record<string, unknown> };
  const { config, errors } = cliConfig(
    project,
    Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, fromStackFile(v)])),
  );
  expect(errors).toEqual([]);
  return config;
}

describe('example stack files', () => {
  const files = { gcp: 'Pulumi.gcp-example.yaml', aws: 'Pulumi.aws-example.yaml' };

  test.each(Object.entries(files))(
    '%s example: declared keys only, no secrets, no encrypted values, values the CLI accepts',
    (_cloud, file) => {
      const text = read(file);
      expect(text).not.toMatch(/secure:|encryptionsalt|encryptedkey/);
      const doc = yaml.load(text) as { config: Record<string, unknown> };
      for (const key of Object.keys(doc.config)) {
        const [ns, name] = key.split(':') as [string, string];
        if (ns === PROJECT) {
          expect(CONFIG_KEYS).toContain(name);
          expect(SECRET_KEYS).not.toContain(name);
        } else {
          expect(['gcp:project', 'gcp:region', 'aws:region']).toContain(key);
        }
      }
      // Types as the CLI checks them (a YAML list for a string key is refused), and no key left missing.
      expect(
        cliConfig(project, Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, fromStackFile(v)])))
          .errors,
      ).toEqual([]);
    },
  );

  test('the gcp example deploys', async () => {
    const { runProgram } = await import('../../../infra/pulumi/program');
    setConfig(stackConfig(files.gcp));
    const out = runProgram();
    expect(out.cloud).toBe('gcp');
    expect(await valueOf(out.mcpUrl!)).toMatch(/^https:\/\/remote-mcp-\d+\.us-central1\.run\.app\/mcp$/);
    await settle();
    expect(cloud.ofType('gcp:cloudrunv2/service:Service')).toHaveLength(1);
    // The empty defaults of the optional keys are 'not set': only the stack's values reach the server.
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs as {
      name: string;
      value?: string;
    }[];
    expect(envs.find((e) => e.name === 'OAUTH_SCOPES')?.value).toBe('mcp:tools');
    expect(envs.filter((e) => e.value === '')).toEqual([]);
    expect(envs.map((e) => e.name)).not.toContain('MCP_SESSION_IDLE_SECONDS');
  });

  test('the aws example deploys', async () => {
    const { runProgram } = await import('../../../infra/pulumi/program');
    setConfig(stackConfig(files.aws));
    const out = runProgram();
    expect(out.cloud).toBe('aws');
    expect(await valueOf(out.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    await settle();
    expect(cloud.ofType('aws:ecs/service:Service')).toHaveLength(1);
    // No vpcId in the example: the network is created, and the load balancer sits in its public subnets.
    expect(cloud.ofType('aws:ec2/vpc:Vpc')).toHaveLength(1);
    expect(cloud.one('aws:lb/loadBalancer:LoadBalancer').inputs.subnets).toEqual([
      'remote-mcp-net-public-0-id',
      'remote-mcp-net-public-1-id',
    ]);
  });
});

describe('the entry point, infra/pulumi/index.ts', () => {
  function importEntry(): typeof import('../../../infra/pulumi/index') {
    let entry: typeof import('../../../infra/pulumi/index') | undefined;
    jest.isolateModules(() => {
      entry = require('../../../infra/pulumi/index');
    });
    return entry!;
  }

  test('gcp stack outputs', async () => {
    setConfig({
      cloud: 'gcp',
      'gcp:project': 'p1',
      'gcp:region': 'us-east4',
      image: 'us-east4-docker.pkg.dev/p1/remote-mcp/server:1',
      oauthIssuer: 'https://id.example.com',
      domainName: 'mcp.example.org',
    });
    const entry = importEntry();
    expect(entry.cloud).toBe('gcp');
    expect(await valueOf(entry.mcpUrl!)).toBe('https://mcp.example.org/mcp');
    expect(await valueOf(entry.serviceUrl!)).toMatch(/run\.app$/);
    expect(await valueOf(entry.imageRepository!)).toBe('us-east4-docker.pkg.dev/p1/remote-mcp');
    expect(JSON.parse((await valueOf(entry.clientConfig!)).vscode).servers['remote-mcp'].url).toBe(
      'https://mcp.example.org/mcp',
    );
    expect(entry.dnsRecords).toBeDefined();
    expect(entry.loadBalancerDnsName).toBeUndefined();
    await settle();
  });

  test('aws stack outputs', async () => {
    setConfig(stackConfig('Pulumi.aws-example.yaml'));
    const entry = importEntry();
    expect(entry.cloud).toBe('aws');
    expect(await valueOf(entry.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    expect(await valueOf(entry.loadBalancerDnsName!)).toMatch(/elb\.amazonaws\.com$/);
    expect(entry.serviceUrl).toBeUndefined();
    await settle();
  });

  test('bad configuration stops the program with the message naming the key', () => {
    setConfig({
      cloud: 'gcp',
      'gcp:project': 'p1',
      'gcp:region': 'us-east4',
      image: 'img',
      oauthIssuer: 'https://id.example.com',
      requestTimeoutSeconds: '4000',
    });
    expect(() => importEntry()).toThrow(
      'Invalid configuration remote-mcp-stacks:requestTimeoutSeconds: must be from 1 to 3600, got 4000',
    );
  });

  test('runs as the Node.js host runs it: from the program folder, ts-node registered with the host options, type-checked', async () => {
    const { config, secretKeys, errors } = cliStack({
      cloud: 'gcp',
      'gcp:project': 'p1',
      'gcp:region': 'us-central1',
      image: 'img',
      oauthIssuer: 'https://id.example.com',
    });
    expect(errors).toEqual([]);
    const env = { ...process.env };
    delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
    delete env.PULUMI_NODEJS_TSCONFIG_PATH;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(__dirname, 'ts-node-run.js'), ROOT, JSON.stringify(config), JSON.stringify(secretKeys)],
      { cwd: ROOT, timeout: 110_000, env },
    );
    const [ok, cloudName, url, options] = stdout.trim().split(' ');
    expect([ok, cloudName, url]).toEqual(['OK', 'gcp', 'https://remote-mcp-123456789012.us-central1.run.app/mcp']);
    // The host forces nodenext and ES2020 unless the folder's own tsconfig.json (read raw, without `extends`) says
    // otherwise: infra/pulumi/tsconfig.json repeats the settings `npm run typecheck` checks.
    const root = JSON.parse(read('tsconfig.json').replace(/^\s*\/\/.*$/gm, '')).compilerOptions;
    expect(JSON.parse(options!)).toMatchObject({
      module: root.module,
      moduleResolution: root.moduleResolution,
      target: root.target,
      types: ['node'],
    });
  }, 120_000);

  test("ts-node-run.js copies the host's registration: @pulumi/pulumi's run.js still builds its ts-node options this way", () => {
    const runJs = fs.readFileSync(require.resolve('@pulumi/pulumi/cmd/run/run.js'), 'utf8').replace(/\s+/g, ' ');
    for (const fragment of [
      'const defaultTsConfigPath = "tsconfig.json";',
      'const tsConfigPath = process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? defaultTsConfigPath;',
      'const skipProject = !fs.existsSync(tsConfigPath);',
      'const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);',
      'transpileOnly = compilerOptions.noCheck;',
      'const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();',
      'compiler: typescriptRequire, transpileOnly, // PULUMI_NODEJS_TSCONFIG_PATH',
      'project: tsConfigPath, skipProject: skipProject, compilerOptions: {}, };',
      'const useNodeNext = tsVersion && tsVersion.compare(new semver.SemVer("4.7.0")) >= 0;',
      'options.compilerOptions = { target: "ES2020", module: useNodeNext ? "nodenext" : "commonjs", moduleResolution: useNodeNext ? "nodenext" : "node", sourceMap: "true", ...compilerOptions, }; tsn.register(options);',
    ]) {
      expect([fragment, runJs.includes(fragment)]).toEqual([fragment, true]);
    }
    // tsutils reads the raw compilerOptions (no `extends`): what ts-node-run.js relies on.
    const tsutils = fs.readFileSync(require.resolve('@pulumi/pulumi/tsutils.js'), 'utf8');
    expect(tsutils).toContain('return tsConfig["compilerOptions"] ?? {};');
  });
});
