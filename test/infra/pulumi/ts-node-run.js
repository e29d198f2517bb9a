/**
 * Runs the Pulumi program the way `pulumi up` does, short of the engine: from the program's folder
 * (Pulumi.yaml `main: infra/pulumi/index.ts` → cwd infra/pulumi), through ts-node with ./tsconfig.json and type
 * checking on (the Node.js host's default), then `index.ts`; the engine is replaced by Pulumi mocks.
 * Usage: node ts-node-run.js <repository root> <json stack config>. Prints `OK <cloud> <mcpUrl>`.
 */
const path = require('path');
const root = path.resolve(process.argv[2]);
const config = JSON.parse(process.argv[3]);
process.chdir(path.join(root, 'infra/pulumi'));
const from = (m) => require(require.resolve(m, { paths: [root] }));
from('ts-node').register({ project: 'tsconfig.json', transpileOnly: false });
const pulumi = from('@pulumi/pulumi');

(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ({
        id: `${a.name}-id`,
        state: { ...a.inputs, arn: `arn:aws:x:eu-west-1:123456789012:${a.name}`, dnsName: 'alb.example', email: 'sa@example', uri: 'https://run.example', version: '1', versionId: 'v1' },
      }),
      call: (a) => (a.token === 'gcp:organizations/getProject:getProject' ? { number: '123456789012' } : { region: 'eu-west-1', name: 'eu-west-1' }),
    },
    'remote-mcp-stacks',
    'ts-node',
    false,
  );
  pulumi.runtime.setAllConfig(config);
  const program = require(path.resolve('index.ts'));
  program.mcpUrl.apply((url) => console.log(`OK ${program.cloud} ${url}`));
})().catch((e) => {
  console.error(`FAIL ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
