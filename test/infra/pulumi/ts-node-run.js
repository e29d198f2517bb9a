/**
 * Runs the Pulumi program as the Node.js language host's runner does, short of the engine:
 * `@pulumi/pulumi/cmd/run/run.js` (3.270) for a CommonJS TypeScript project. Like the host it
 *  - runs from the program's folder (Pulumi.yaml `main: infra/pulumi/index.ts` → cwd infra/pulumi);
 *  - reads the RAW `compilerOptions` of ./tsconfig.json with the SDK's own `tsutils.loadTypeScriptCompilerOptions`,
 *    which does NOT follow `extends`;
 *  - resolves `typescript` and `ts-node` with the SDK's own `tsutils.typeScriptRequireStrings`;
 *  - registers ts-node with exactly the host's options (copied from run.js, the non-ESM branch): `project`,
 *    `skipProject`, `transpileOnly` from `noCheck` or PULUMI_NODEJS_TRANSPILE_ONLY, and `compilerOptions` =
 *    { target ES2020, module and moduleResolution `nodenext` (TypeScript ≥ 4.7), sourceMap "true" } overridden by
 *    those raw options (ts-node applies them over the full, `extends`-resolved tsconfig.json);
 *  - then requires `index.ts`. The engine is replaced by Pulumi mocks.
 * A jest test checks that run.js still builds its options this way, so an SDK upgrade that changes them fails there.
 * Usage: node ts-node-run.js <repository root> <json stack config> [<json secret keys>]. Prints `OK <cloud> <mcpUrl>`.
 */
const fs = require('fs');
const path = require('path');
const root = path.resolve(process.argv[2]);
const config = JSON.parse(process.argv[3]);
const secretKeys = JSON.parse(process.argv[4] || '[]');
const pulumiDir = path.dirname(require.resolve('@pulumi/pulumi/package.json', { paths: [root] }));
const fromPulumi = (m) => require(require.resolve(m, { paths: [pulumiDir] }));

// ---- what run.js does before it requires the program (typeScript = PULUMI_NODEJS_TYPESCRIPT, from Pulumi.yaml)
process.chdir(path.join(root, 'infra/pulumi'));
const tsutils = fromPulumi('./tsutils');
const semver = fromPulumi('semver');
const defaultTsConfigPath = 'tsconfig.json';
const tsConfigPath = process.env['PULUMI_NODEJS_TSCONFIG_PATH'] ?? defaultTsConfigPath;
const skipProject = !fs.existsSync(tsConfigPath);
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
let transpileOnly = undefined;
const transpileOnlyEnv = process.env['PULUMI_NODEJS_TRANSPILE_ONLY'];
if (transpileOnlyEnv) {
  transpileOnly = transpileOnlyEnv === 'true';
} else {
  transpileOnly = compilerOptions.noCheck;
}
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const options = {
  compiler: typescriptRequire,
  transpileOnly,
  project: tsConfigPath,
  skipProject: skipProject,
  compilerOptions: {},
};
// The package is CommonJS (no `"type": "module"`), so run.js takes its non-ESM branch.
const packageType = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).type;
if (packageType === 'module')
  throw new Error(
    'the root package is an ES module: run.js would take its ESM branch, which this script does not copy',
  );
const ts = fromPulumi(typescriptRequire);
const tsVersion = semver.parse(ts.version);
const tsn = fromPulumi(tsnodeRequire);
const useNodeNext = tsVersion && tsVersion.compare(new semver.SemVer('4.7.0')) >= 0;
options.compilerOptions = {
  target: 'ES2020',
  module: useNodeNext ? 'nodenext' : 'commonjs',
  moduleResolution: useNodeNext ? 'nodenext' : 'node',
  sourceMap: 'true',
  ...compilerOptions,
};
tsn.register(options);

// ---- the engine: Pulumi mocks
const pulumi = require(require.resolve('@pulumi/pulumi', { paths: [root] }));
(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ({
        id: `${a.name}-id`,
        state: {
          ...a.inputs,
          arn: `arn:aws:x:eu-west-1:123456789012:${a.name}`,
          dnsName: 'alb.example',
          email: 'sa@example',
          uri: 'https://run.example',
          version: '1',
          versionId: 'v1',
        },
      }),
      call: (a) =>
        a.token === 'gcp:organizations/getProject:getProject'
          ? { number: '123456789012' }
          : { region: 'eu-west-1', name: 'eu-west-1' },
    },
    'remote-mcp-stacks',
    'ts-node',
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const program = require(path.resolve('index.ts'));
  program.mcpUrl.apply((url) => console.log(`OK ${program.cloud} ${url} ${JSON.stringify(options.compilerOptions)}`));
})().catch((e) => {
  console.error(`FAIL ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
