/**
 * Every TypeScript example of README.md and docs/ runs as written, extracted from the Markdown so that the docs and
 * this test cannot drift. Each ```ts block says what it is in its info string: `example=cdk` (type-checked, run, and
 * every CDK app it makes synthesized), `example=pulumi` (type-checked and run under Pulumi mocks; `config=a,b` names
 * the stack configuration it reads) or `example=server` (type-checked: it would listen on a port).
 *
 * Imports of `remote-mcp-stacks/<entry>` resolve to this repository's sources through the package's own `exports`,
 * so an example can only import what the package exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = 'remote-mcp-stacks';
const KINDS = ['cdk', 'pulumi', 'server'] as const;
type Kind = (typeof KINDS)[number];

interface Example {
  /** `docs/cdk.md:123` (the line of the opening fence). */
  where: string;
  kind: Kind;
  code: string;
  /** Stack configuration keys a Pulumi example reads (`config=a,b`). */
  config: string[];
  file: string;
}

/** README.md and every Markdown file under docs/. */
function markdownFiles(): string[] {
  const docs: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) docs.push(p);
    }
  };
  walk(path.join(ROOT, 'docs'));
  return [path.join(ROOT, 'README.md'), ...docs.sort()];
}

/** The ```ts / ```typescript blocks of a Markdown file, with their info strings. */
function tsBlocks(file: string): { line: number; info: string; code: string }[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks: { line: number; info: string; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) {
      // Skip over other fenced blocks whole (a ``` inside them is not an opening).
      const other = /^(\s*)(`{3,})/.exec(lines[i]!);
      if (other) while (++i < lines.length && !lines[i]!.trim().startsWith(other[2]!));
      continue;
    }
    const [, indent, fence, , info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== fence; j++)
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    blocks.push({ line: i + 1, info: info!.trim(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** `remote-mcp-stacks/<entry>` → the source file its `exports` entry is built from (`dist/x/index.d.ts` → `x/index.ts`). */
function packageEntries(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = JSON.stringify(target).match(/"\.\/dist\/([^"]+)\.d\.ts"/)?.[1];
    if (!types) continue;
    const source = path.join(ROOT, `${types}.ts`);
    if (fs.existsSync(source)) entries[`${PACKAGE}/${subpath.replace(/^\.\//, '')}`] = source;
  }
  return entries;
}

const ENTRIES = packageEntries();
const outDir = fs.mkdtempSync(path.join(ROOT, '.docs-examples-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

const examples: Example[] = [];
const unmarked: string[] = [];
for (const md of markdownFiles()) {
  for (const b of tsBlocks(md)) {
    const where = `${path.relative(ROOT, md)}:${b.line}`;
    const kind = /(?:^|\s)example=(\w+)/.exec(b.info)?.[1] as Kind | undefined;
    if (!kind || !KINDS.includes(kind)) {
      unmarked.push(where);
      continue;
    }
    const config = /(?:^|\s)config=([\w,]+)/.exec(b.info)?.[1]?.split(',') ?? [];
    // Server examples use top-level await: an ES module. The infra ones are CommonJS, as `cdk init` and `pulumi new` make them.
    const base = `${path.basename(md, '.md').toLowerCase()}-${b.line}`;
    const file = path.join(outDir, kind === 'server' ? `${base}.mts` : `${base}.ts`);
    fs.writeFileSync(file, b.code);
    examples.push({ where, kind, code: b.code, config, file });
  }
}

test('every TypeScript block of the docs is marked with what it is (example=cdk|pulumi|server)', () => {
  expect(unmarked).toEqual([]);
  expect(new Set(examples.map((e) => e.kind))).toEqual(new Set(KINDS));
});

test('every example type-checks as a consumer project compiles it (strict, NodeNext)', () => {
  const program = ts.createProgram(
    examples.map((e) => e.file),
    {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      esModuleInterop: true,
      types: ['node'],
      baseUrl: ROOT,
      paths: Object.fromEntries(Object.entries(ENTRIES).map(([spec, file]) => [spec, [path.relative(ROOT, file)]])),
    },
  );
  const byFile = new Map(examples.map((e) => [path.resolve(e.file), e]));
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && byFile.has(path.resolve(d.file.fileName)))
    .map((d) => {
      const e = byFile.get(path.resolve(d.file!.fileName))!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const [md, fence] = e.where.split(':');
      return `${md}:${Number(fence) + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  expect(problems).toEqual([]);
}, 600_000);

/** Runs an example as CommonJS with `require` mapping the package's entries to the sources; returns its exports. */
function run(e: Example, override: (spec: string) => unknown = () => undefined): Record<string, unknown> {
  const js = ts.transpileModule(e.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: e.file,
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  const load = (spec: string): unknown => override(spec) ?? require(ENTRIES[spec] ?? spec);
  new Function('require', 'module', 'exports', js)(load, module, module.exports);
  return module.exports;
}

describe('CDK examples synthesize', () => {
  const cdkExamples = examples.filter((e) => e.kind === 'cdk');
  const ACCOUNT = '123456789012';
  const REGION = 'eu-west-1';
  // What `cdk synth` gives the app: the CLI's account and region, and what it looked up (cdk.context.json) — the
  // hosted zone, and the Availability Zones of a stack whose account is known.
  const env = { CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION };
  const lookups = {
    [`hosted-zone:account=${ACCOUNT}:domainName=example.com:region=${REGION}`]: {
      Id: '/hostedzone/Z0123456789ABC',
      Name: 'example.com.',
    },
    [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
  };
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  test.each(cdkExamples.map((e) => [e.where, e] as const))(
    '%s',
    (_where, e) => {
      const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
      const apps: import('aws-cdk-lib').App[] = [];
      // The example's apps write their cloud assemblies here (removed with it), and are kept to be synthesized.
      class ExampleApp extends cdk.App {
        constructor(props: import('aws-cdk-lib').AppProps = {}) {
          super({
            ...props,
            outdir: fs.mkdtempSync(path.join(outDir, 'cdk.out-')),
            context: { ...lookups, ...props.context },
          });
          apps.push(this);
        }
      }
      const cdkWithApp = new Proxy(cdk, {
        get: (target, key) => (key === 'App' ? ExampleApp : target[key as keyof typeof target]),
      });
      run(e, (spec) => (spec === 'aws-cdk-lib' ? cdkWithApp : undefined));
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) {
        const assembly = app.synth();
        expect(assembly.stacks.length).toBeGreaterThan(0);
        // Every lookup answered: nothing would be left for the CLI to resolve.
        expect(assembly.manifest.missing ?? []).toEqual([]);
      }
    },
    600_000,
  );
});

describe('Pulumi examples run under mocks', () => {
  const pulumiExamples = examples.filter((e) => e.kind === 'pulumi');
  let mocks: typeof import('../infra/pulumi/mocks');
  let cloud: import('../infra/pulumi/mocks').MockCloud;
  beforeAll(async () => {
    mocks = await import('../infra/pulumi/mocks');
    cloud = await mocks.useMocks();
  });

  test.each(pulumiExamples.map((e) => [e.where, e] as const))(
    '%s',
    async (_where, e) => {
      cloud.reset();
      // The provider's region, and a value for every key the example reads (secrets set as secrets).
      const values = Object.fromEntries(e.config.map((k) => [k, `example-${k}-value-0123456789`]));
      mocks.setConfig({ 'aws:region': mocks.AWS_REGION, ...values }, e.config);
      const exported = run(e);
      const outputs = Object.entries(exported);
      expect(outputs.length).toBeGreaterThan(0);
      for (const [, value] of outputs)
        expect(typeof (await mocks.valueOf(value as import('@pulumi/pulumi').Output<unknown>))).toBe('string');
      await mocks.settle();
      expect(cloud.resources.filter((r) => r.type.startsWith('remote-mcp-stacks:')).length).toBeGreaterThan(0);
    },
    600_000,
  );
});
