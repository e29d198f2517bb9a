#!/usr/bin/env node
// `npm start`'s build step: compiles the server (tsc, incremental) only when a source, a tsconfig or the lockfile
// changed since the last successful build — starting an unchanged checkout no longer pays a full type-check.
'use strict';
var fs = require('fs');
var path = require('path');
var childProcess = require('child_process');

var ROOT = path.join(__dirname, '..');
/** What the server's build depends on, relative to the root: directories are walked for .ts files. */
var INPUTS = [
  'server',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.server.json',
  'package.json',
  'package-lock.json',
];
/** Written after a successful build, with the time the build started (edits made during it count as newer). */
var STAMP = path.join('dist', '.server-build-stamp');
var ENTRY = path.join('dist', 'server', 'main.js');
var BUILD_INFO = path.join('dist', 'tsconfig.server.tsbuildinfo');

function newestInput(root) {
  var newest = 0;
  function visit(file) {
    var stat;
    try {
      stat = fs.statSync(file);
    } catch (e) {
      return;
    }
    if (stat.isDirectory()) {
      fs.readdirSync(file).forEach(function (name) {
        visit(path.join(file, name));
      });
    } else if (file.endsWith('.ts') || file.endsWith('.json')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  INPUTS.forEach(function (input) {
    visit(path.join(root, input));
  });
  return newest;
}

/** True when dist is missing, or older than any input. */
function isStale(root) {
  try {
    if (!fs.existsSync(path.join(root, ENTRY))) return true;
    return newestInput(root) >= fs.statSync(path.join(root, STAMP)).mtimeMs;
  } catch (e) {
    return true;
  }
}

/** Builds when stale; `compile` runs the compiler and returns its exit code. Returns the exit code. */
function buildServer(root, compile) {
  if (!isStale(root)) return 0;
  // tsc --incremental trusts its build info, not the outputs: without the entry point, start from scratch.
  if (!fs.existsSync(path.join(root, ENTRY))) fs.rmSync(path.join(root, BUILD_INFO), { force: true });
  var started = new Date();
  var code = compile(root);
  if (code !== 0) return code;
  var stamp = path.join(root, STAMP);
  fs.writeFileSync(stamp, '');
  fs.utimesSync(stamp, started, started);
  return 0;
}

function tsc(root) {
  var bin = require.resolve('typescript/bin/tsc', { paths: [root] });
  var result = childProcess.spawnSync(process.execPath, [bin, '-p', 'tsconfig.server.json', '--incremental'], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === null ? 1 : result.status;
}

module.exports = { isStale: isStale, buildServer: buildServer, INPUTS: INPUTS, STAMP: STAMP, ENTRY: ENTRY };

if (require.main === module) process.exit(buildServer(ROOT, tsc));
