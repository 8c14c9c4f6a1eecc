#!/usr/bin/env node
// Copies the files the compiled code reads beside itself (the portal's templates and static
// files) from the sources into a build's output folder, laid out as tsc lays out the code:
//   node scripts/copy-build-assets.cjs [outDir]     (default: dist)
// `npm run build` runs it; so does the tests' build of single bins (test/harness/build-bin.ts).
'use strict';
const { cpSync } = require('node:fs');
const { join, resolve } = require('node:path');

/** Folders of non-TypeScript files that code loads at run time, relative to the repository. */
const ASSET_DIRS = ['apps/broker/src/portal/views', 'apps/broker/src/portal/assets'];

const repo = resolve(__dirname, '..');
const outDir = resolve(repo, process.argv[2] ?? 'dist');
for (const dir of ASSET_DIRS) {
  cpSync(join(repo, dir), join(outDir, dir), { recursive: true });
}
