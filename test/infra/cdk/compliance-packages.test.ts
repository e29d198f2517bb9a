/**
 * `addComplianceChecks` without cdk-nag (or the cfn-guard validator) installed: one sentence saying what to install,
 * from the function and from `cdk synth` of the app — never a raw "Cannot find module" stack trace.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CERT_ARN, ISSUER, REGION, REPO_ROOT, newApp, testOutRoot } from './helpers';

const INSTALL = 'npm install --save-dev cdk-nag @cdklabs/cdk-validator-cfnguard';

/** The error Node throws for a package that is not installed. */
function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- ${__filename}`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/** `addComplianceChecks` from a fresh module registry in which `name` fails to load with `error`. */
function addChecksWithout(name: string, error: Error): unknown {
  let thrown: unknown;
  jest.isolateModules(() => {
    jest.doMock(name, () => {
      throw error;
    });
    const { addComplianceChecks } =
      require('../../../infra/cdk/validation') as typeof import('../../../infra/cdk/validation');
    try {
      addComplianceChecks(newApp());
    } catch (e) {
      thrown = e;
    }
  });
  jest.dontMock(name);
  return thrown;
}

test.each(['cdk-nag', '@cdklabs/cdk-validator-cfnguard'])(
  '%s missing: one sentence naming the install command',
  (name) => {
    const e = addChecksWithout(name, notInstalled(name)) as Error;
    expect(e.name).toBe('McpConfigError');
    expect(e.message).toBe(
      `addComplianceChecks needs ${name}, which is not installed: run \`${INSTALL}\` (or remove the addComplianceChecks call).`,
    );
  },
);

test('a broken install (a dependency of the package missing) keeps its own error', () => {
  const broken = notInstalled('some-dependency-of-cdk-nag');
  expect(addChecksWithout('cdk-nag', broken)).toBe(broken);
});

test('the app prints that one sentence alone and exits 1 (cdk synth shows what the app prints)', () => {
  // Node's own resolution fails for cdk-nag, as when it is not installed.
  const hide = path.join(testOutRoot(), 'hide-cdk-nag.js');
  fs.writeFileSync(
    hide,
    `const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'cdk-nag') throw Object.assign(new Error("Cannot find module 'cdk-nag'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`,
  );
  const r = spawnSync(process.execPath, ['-r', hide, '-r', 'ts-node/register/transpile-only', 'infra/cdk/bin/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      CDK_OUTDIR: fs.mkdtempSync(path.join(testOutRoot(), 'cdk.out-')),
      CDK_CONTEXT_JSON: JSON.stringify({
        region: REGION,
        certificateArn: CERT_ARN,
        oauthIssuer: ISSUER,
        image: 'public.ecr.aws/x/y:1',
      }),
    },
  });
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toBe(
    `addComplianceChecks needs cdk-nag, which is not installed: run \`${INSTALL}\` (or remove the addComplianceChecks call).`,
  );
}, 150_000);
