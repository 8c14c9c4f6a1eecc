// Two tiers: unit specs beside the code (fakes allowed for pure logic), and
// integration/end-to-end tests under test/ against real servers the harness starts.
const ESM_ONLY_PACKAGES = '/node_modules/(openid-client|oauth4webapi|oidc-provider)/.+\\.js$';
const shared = {
  testEnvironment: 'node',
  transform: {
    // Type checking is `npm run typecheck`; here we only transpile, to keep runs fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // openid-client, oauth4webapi and oidc-provider (with their jose 6) ship ESM only, which
    // jest's CommonJS module system cannot load: transpile just those packages to CommonJS.
    [ESM_ONLY_PACKAGES]: [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          target: 'ES2022',
          esModuleInterop: true,
          isolatedModules: true,
        },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|oidc-provider|jose)/)'],
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
      // Fails the run at once, naming the install command, when a server binary is missing.
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
