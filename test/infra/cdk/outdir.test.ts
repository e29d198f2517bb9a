/**
 * CDK tests leave nothing in the system temp directory: every app synthesizes under its test file's directory, which
 * is removed after the file's tests (`new App()` alone writes a `cdk.out*` directory there on every synth).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { REPO_ROOT, newApp, removeTestOutdirs, testOutRoot } from './helpers';

test('an app of the helpers writes its cloud assembly under the test directory, and the cleanup removes it', () => {
  const app = newApp();
  new CfnWaitConditionHandle(new Stack(app, 'Tiny'), 'Handle');
  const assembly = app.synth();
  const root = testOutRoot();
  expect(path.relative(root, assembly.directory).startsWith('..')).toBe(false);
  expect(fs.existsSync(path.join(assembly.directory, 'manifest.json'))).toBe(true);
  removeTestOutdirs();
  expect(fs.existsSync(root)).toBe(false);
});

test('no test builds a CDK app that would synthesize into the system temp directory', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && file !== path.join(__dirname, 'helpers.ts') && file !== __filename) {
        const source = fs.readFileSync(file, 'utf8');
        // `new App(` without an outdir (the helpers' or an explicit one), or a Stack without an app, which creates one itself.
        if (/\bnew (?:cdk\.)?App\((?!\{ outdir: )|\bnew (?:cdk\.)?Stack\(\)/.test(source))
          offenders.push(path.relative(REPO_ROOT, file));
      }
    }
  };
  walk(path.join(REPO_ROOT, 'test'));
  expect(offenders).toEqual([]);
});
