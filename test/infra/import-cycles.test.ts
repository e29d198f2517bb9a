/**
 * The AWS infrastructure modules (`infra/cdk`, `infra/pulumi/aws`, `infra/shared`) import each other without a
 * circle, type-only imports included: a circle means neither module can be read (or loaded) alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const DIRS = ['infra/cdk', 'infra/pulumi/aws', 'infra/shared'];

/** Every .ts module of the directories (not their subdirectories, such as infra/cdk/bin: entry points). */
function modules(): string[] {
  return DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => path.join(ROOT, dir, f)),
  );
}

/** The repository modules a file imports or re-exports (relative specifiers, resolved to files). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.resolve(path.dirname(file), spec))
    .map((base) => [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f)))
    .filter((f): f is string => f !== undefined);
}

/** The first import circle found (as repository paths, the first one repeated at the end), or undefined. */
function findCycle(files: string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const next of importsOf(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle.map((f) => path.relative(ROOT, f));
  }
  return undefined;
}

test('no import circle among the AWS infrastructure modules', () => {
  const files = modules();
  expect(files.length).toBeGreaterThan(20);
  expect(findCycle(files)).toBeUndefined();
});

test('the check finds a circle when there is one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rms-cycle-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport type B = typeof a;\n");
    expect(findCycle([path.join(dir, 'a.ts')])?.map((f) => path.basename(f))).toEqual(['a.ts', 'b.ts', 'a.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
