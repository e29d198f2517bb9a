#!/usr/bin/env node
// Stops `npm start` / `npm test` at once on a Node.js older than the floor in package.json `engines.node`, with one
// line saying what is needed and how to get it (instead of a failure deep inside a dependency). Plain, old-syntax
// JavaScript on purpose: it must run on the old Node it refuses.
'use strict';
var path = require('path');

/** `>=22.19` (or `>=22.19.0`) → [22, 19, 0]. */
function parseFloor(range) {
  var m = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range || '');
  if (!m) throw new Error('engines.node must be of the form ">=X.Y", got ' + JSON.stringify(range));
  return [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)];
}

function isOlder(version, floor) {
  var v = String(version).replace(/^v/, '').split('.').map(Number);
  for (var i = 0; i < 3; i++) {
    if ((v[i] || 0) !== floor[i]) return (v[i] || 0) < floor[i];
  }
  return false;
}

/** The one-line refusal, or undefined when `version` is new enough. */
function problem(version, range) {
  if (!isOlder(version, parseFloor(range))) return undefined;
  return (
    'remote-mcp-stacks needs Node.js ' +
    range.replace(/\s+/g, '') +
    ' (this is ' +
    String(version).replace(/^v/, '') +
    '): install Node 24 LTS, e.g. `nvm install` (reads .nvmrc) or https://nodejs.org/en/download'
  );
}

module.exports = { parseFloor: parseFloor, isOlder: isOlder, problem: problem };

if (require.main === module) {
  var range = require(path.join(__dirname, '..', 'package.json')).engines.node;
  var message = problem(process.versions.node, range);
  if (message) {
    process.stderr.write(message + '\n');
    process.exit(1);
  }
}
