// Cycles between libraries, a second run of `npm run deps:check` (docs/development.md,
// "Dependency rules"). .dependency-cruiser.cjs finds cycles of files; a library can still be
// part of a cycle that no single file closes (config/a.ts imports mapping, mapping imports
// config/index.ts). This run judges whole folders, and leaves specs and test helpers out of
// the graph: a spec that imports a test fixture would otherwise tie its library to the
// fixture's imports.

const { options } = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular-between-libs',
      severity: 'error',
      comment:
        'No library is part of a cycle of libraries. Other libraries are imported as ' +
        '@fedgate/<name>, which is libs/<name>/src, so a library is its src folder.',
      scope: 'folder',
      from: { path: '^libs/[^/]+/src$' },
      to: { path: '^libs/[^/]+/src$', circular: true },
    },
  ],
  options: {
    ...options,
    exclude: { path: ['\\.spec\\.ts$', '\\.contract\\.ts$', '^test/'] },
  },
};
