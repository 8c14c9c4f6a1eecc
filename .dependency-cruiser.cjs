// The layering of docs/architecture.md as rules: `npm run deps:check` runs this file and
// .dependency-cruiser-libraries.cjs (docs/development.md, "Dependency rules"). Paths are
// relative to the directory the check runs in, so the same rules judge the repository and the
// fixture trees of test/architecture/.

/** Unit specs may import anything: they are outside the layering, but still resolved. */
const SPEC = '\\.spec\\.ts$';
/** test/ helpers that specs import: outside the layering, but still resolved. */
const TESTS = '^test/';
/** A @nestjs package, resolved (node_modules wherever it sits) or not. */
const NEST = '(^|/)node_modules/@nestjs/|^@nestjs/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-lib-to-app',
      severity: 'error',
      comment: 'Libraries are the inner layer; apps wire them to HTTP, a terminal or a server.',
      from: { path: '^libs/', pathNot: [SPEC] },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No file of apps/ or libs/ is part of an import cycle, type-only imports included.',
      from: { path: '^(apps|libs)/', pathNot: [SPEC] },
      to: { circular: true },
    },
    {
      name: 'nest-only-in-apps-and-modules',
      severity: 'error',
      comment: 'Libraries are plain classes and functions; only apps and thin *.module.ts files import Nest.',
      from: { pathNot: ['^apps/', '\\.module\\.ts$', SPEC, TESTS] },
      to: { path: NEST },
    },
    {
      name: 'connectors-not-to-issuance',
      severity: 'error',
      comment: 'A connector authenticates; it knows nothing of credentials.',
      from: { path: '^libs/connectors/', pathNot: [SPEC] },
      to: { path: ['^libs/issuance/', '^@fedgate/issuance$'] },
    },
    {
      name: 'sts-local-only-generic-libs',
      severity: 'error',
      comment:
        'sts-local stands in for AWS STS: it may use libs/aws, libs/core, libs/logging and the ' +
        'generic config loader libs/config, and no other fedgate library.',
      from: { path: '^apps/sts-local/', pathNot: [SPEC] },
      to: {
        path: ['^libs/', '^@fedgate/'],
        pathNot: ['^libs/(aws|core|logging|config)/', '^@fedgate/(aws|core|logging|config)$'],
      },
    },
    {
      name: 'no-lib-to-flows',
      severity: 'error',
      comment: 'The flows sit on top of the libraries; only apps call them.',
      from: { path: '^libs/', pathNot: ['^libs/flows/', SPEC] },
      to: { path: ['^libs/flows/', '^@fedgate/flows$'] },
    },
    {
      name: 'no-lib-to-broker-config',
      severity: 'error',
      comment: "libs/broker-config composes the broker's configuration for apps; no library imports it.",
      from: { path: '^libs/', pathNot: ['^libs/broker-config/', SPEC] },
      to: { path: ['^libs/broker-config/', '^@fedgate/broker-config$'] },
    },
    {
      name: 'oauth-only-base-libs',
      severity: 'error',
      comment:
        "libs/oauth (the authorization server for fedgate's own clients) stands on core, store and " +
        'sessions only: sign-in happens before it, credentials after it, both through the flows.',
      from: { path: '^libs/oauth/', pathNot: [SPEC] },
      to: {
        path: ['^libs/', '^@fedgate/'],
        pathNot: ['^libs/(oauth|core|store|sessions)/', '^@fedgate/(core|store|sessions)$'],
      },
    },
    {
      name: 'no-lib-to-oauth',
      severity: 'error',
      comment: "Only apps (the broker's OAuth endpoints, the bearer guard) use the authorization server.",
      from: { path: '^libs/', pathNot: ['^libs/oauth/', SPEC] },
      to: { path: ['^libs/oauth/', '^@fedgate/oauth$'] },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A file that imports nothing and that nothing imports is dead code.',
      // The portal's browser script is served as a file, not imported (apps/broker/src/portal/assets).
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '^apps/broker/src/portal/assets/'] },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves, in specs and test helpers too.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    // Type-only imports count: a cycle of types is still a cycle of layers, and with
    // emitDecoratorMetadata a decorated constructor's parameter types become runtime imports.
    tsPreCompilationDeps: true,
    // Resolves the @fedgate/* paths exactly as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
      mainFields: ['main', 'types'],
    },
  },
};
