#!/usr/bin/env node
'use strict';
// The `permafrost` command. A committed file rather than dist/bin.js: npm links a package's bins at
// install time, before anything is built, and skips a target that does not exist yet (a fresh clone's
// node_modules/.bin had no `permafrost`); it also keeps its exec bit, which tsc's output has not.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'bin.js');
if (!existsSync(entry)) {
  process.stderr.write(`permafrost is not built (${entry} is missing): run \`npm run build\` at the repository root, then try again.\n`);
  process.exit(1);
}
require(entry);
