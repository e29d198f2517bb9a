/**
 * The project as `pulumi up` sees it: Pulumi.yaml (name, runtime, main, declared configuration), the example
 * stack files, and the entry point infra/pulumi/index.ts — imported fresh per cloud, and once more through
 * ts-node from the program folder as the Node.js language host runs it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as yaml from 'js-yaml';
import { CONFIG_KEYS, PROGRAM_DEFAULTS, SECRET_KEYS } from '../../../infra/pulumi/config';
import { PROJECT, setConfig, settle, useMocks, valueOf, type MockCloud } from './mocks';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Declared {
  type?: string;
  items?: { type: string };
  default?: unknown;
  description?: string;
  secret?: boolean;
  value?: unknown;
}
const project = yaml.load(read('Pulumi.yaml')) as {
  name: string;
  main: string;
  runtime: { name: string; options?: Record<string, unknown> };
  config: Record<string, Declared>;
};

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
      expect([key, ['string', 'integer', 'boolean', 'array'].includes(d.type ?? '')]).toEqual([key, true]);
      expect([key, typeof d.description]).toEqual([key, 'string']);
      if (d.type === 'array') expect([key, d.items]).toEqual([key, { type: 'string' }]);
      expect(d.value).toBeUndefined();
    }
  });

  test("defaults equal the program's own (which apply when the CLI does not)", () => {
    const yamlDefaults = Object.fromEntries(Object.entries(project.config).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
    expect(yamlDefaults).toEqual(PROGRAM_DEFAULTS);
    for (const [k, v] of Object.entries(yamlDefaults)) {
      const t = project.config[k]!.type;
      expect([k, typeof v]).toEqual([k, t === 'integer' ? 'number' : t]);
    }
  });

  test('the secret keys are declared secret, and only they', () => {
    const secret = Object.entries(project.config).filter(([, d]) => d.secret).map(([k]) => k);
    expect(secret.sort()).toEqual([...SECRET_KEYS].sort());
    for (const k of SECRET_KEYS) expect(project.config[k]!.default).toBeUndefined();
  });
});

describe('docs/pulumi.md', () => {
  const doc = read('docs/pulumi.md');
  test('every configuration key is in the configuration table', () => {
    for (const key of CONFIG_KEYS) expect([key, new RegExp(`^\\|[^\\n]*\`${key}\`[^\\n]*\\|`, 'm').test(doc)]).toEqual([key, true]);
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

/** Stack file config → what the CLI hands the program (strings; lists and objects as JSON). */
function stackConfig(file: string): Record<string, string> {
  const doc = yaml.load(read(file)) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

describe('example stack files', () => {
  const files = { gcp: 'Pulumi.gcp-example.yaml', aws: 'Pulumi.aws-example.yaml' };

  test.each(Object.entries(files))('%s example: declared keys only, no secrets, no encrypted values', (_cloud, file) => {
    const text = read(file);
    expect(text).not.toMatch(/secure:|encryptionsalt|encryptedkey/);
    const doc = yaml.load(text) as { config: Record<string, unknown> };
    for (const [key, value] of Object.entries(doc.config)) {
      const [ns, name] = key.split(':') as [string, string];
      if (ns === PROJECT) {
        expect(CONFIG_KEYS).toContain(name);
        expect(SECRET_KEYS).not.toContain(name);
        const type = project.config[name]!.type;
        const actual = Array.isArray(value) ? 'array' : typeof value === 'number' ? 'integer' : typeof value;
        expect([key, actual]).toEqual([key, type]);
      } else {
        expect(['gcp:project', 'gcp:region', 'aws:region']).toContain(key);
      }
    }
  });

  test('the gcp example deploys', async () => {
    const { runProgram } = await import('../../../infra/pulumi/program');
    setConfig(stackConfig(files.gcp));
    const out = runProgram();
    expect(out.cloud).toBe('gcp');
    expect(await valueOf(out.mcpUrl!)).toMatch(/^https:\/\/remote-mcp-\d+\.us-central1\.run\.app\/mcp$/);
    await settle();
    expect(cloud.ofType('gcp:cloudrunv2/service:Service')).toHaveLength(1);
  });

  test('the aws example deploys', async () => {
    const { runProgram } = await import('../../../infra/pulumi/program');
    setConfig(stackConfig(files.aws));
    const out = runProgram();
    expect(out.cloud).toBe('aws');
    expect(await valueOf(out.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    await settle();
    expect(cloud.ofType('aws:ecs/service:Service')).toHaveLength(1);
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
    setConfig({ cloud: 'gcp', 'gcp:project': 'p1', 'gcp:region': 'us-east4', image: 'us-east4-docker.pkg.dev/p1/remote-mcp/server:1', oauthIssuer: 'https://id.example.com', domainName: 'mcp.example.org' });
    const entry = importEntry();
    expect(entry.cloud).toBe('gcp');
    expect(await valueOf(entry.mcpUrl!)).toBe('https://mcp.example.org/mcp');
    expect(await valueOf(entry.serviceUrl!)).toMatch(/run\.app$/);
    expect(await valueOf(entry.imageRepository!)).toBe('us-east4-docker.pkg.dev/p1/remote-mcp');
    expect(JSON.parse((await valueOf(entry.clientConfig!)).vscode).servers['remote-mcp'].url).toBe('https://mcp.example.org/mcp');
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
    setConfig({ cloud: 'gcp', 'gcp:project': 'p1', 'gcp:region': 'us-east4', image: 'img', oauthIssuer: 'https://id.example.com', requestTimeoutSeconds: '4000' });
    expect(() => importEntry()).toThrow('Invalid configuration remote-mcp-stacks:requestTimeoutSeconds: must be from 1 to 3600, got 4000');
  });

  test(
    'runs under ts-node from the program folder with its tsconfig, type-checked, as the Node.js host runs it',
    async () => {
      const config = { 'remote-mcp-stacks:cloud': 'gcp', 'gcp:project': 'p1', 'gcp:region': 'us-central1', 'remote-mcp-stacks:image': 'img', 'remote-mcp-stacks:oauthIssuer': 'https://id.example.com' };
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'ts-node-run.js'), ROOT, JSON.stringify(config)], { cwd: ROOT, timeout: 110_000 });
      expect(stdout.trim()).toBe('OK gcp https://remote-mcp-123456789012.us-central1.run.app/mcp');
    },
    120_000,
  );
});
