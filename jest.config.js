/**
 * Two projects: `unit` (pure code, *.spec.ts next to it, no I/O) and
 * `integration` (test/, real PostgreSQL and Redis through the real HTTP server).
 */
const tsJest = { '^.+\\.ts$': 'ts-jest' };

module.exports = {
  // Global only: Jest ignores testTimeout inside a project.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: tsJest,
      moduleFileExtensions: ['ts', 'js', 'json'],
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: tsJest,
      moduleFileExtensions: ['ts', 'js', 'json'],
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
