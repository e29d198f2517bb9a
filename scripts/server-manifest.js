#!/usr/bin/env node
// Turns the package manifest into the server's production manifest, for the image and production installs only.
//
// Why: the published package serves two kinds of consumers. Infrastructure code (`remote-mcp-stacks/cdk`,
// `/pulumi/*`) needs none of the server's runtime stack (express, the MCP SDK, oidc-provider, ioredis…), so those
// are optional peer dependencies there (and devDependencies for work in a checkout). The server itself — the
// image, a production install — needs them as plain dependencies: this rewrites `package.json` in place (in the
// build directory, never the checkout) so that `npm install --omit=dev` installs exactly them, at the lockfile's versions.
'use strict';
var fs = require('fs');
var path = require('path');

function serverManifest(pkg) {
  var names = pkg.serverDependencies || [];
  var out = JSON.parse(JSON.stringify(pkg));
  out.dependencies = {};
  names.forEach(function (name) {
    var range = pkg.peerDependencies && pkg.peerDependencies[name];
    if (!range) throw new Error('serverDependencies lists ' + name + ', which is not a peer dependency');
    out.dependencies[name] = range;
    delete out.devDependencies[name];
    delete out.peerDependencies[name];
    delete out.peerDependenciesMeta[name];
  });
  return out;
}

module.exports = { serverManifest: serverManifest };

if (require.main === module) {
  var file = path.resolve(process.argv[2] || 'package.json');
  var pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify(serverManifest(pkg), null, 2) + '\n');
}
