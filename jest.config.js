// Two tiers: unit specs beside the code (fakes allowed for pure logic), and
// integration/end-to-end tests under test/ against real servers the harness starts.
const shared = {
  testEnvironment: 'node',
  transform: {
    // Type checking is `npm run typecheck`; here we only transpile, to keep runs fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: { '^@fedgate/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests start real servers. testTimeout is a global option (ignored inside projects).
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
