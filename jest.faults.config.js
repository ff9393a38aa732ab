/** `npm run test:faults`: failure scenarios against real processes, PostgreSQL pairs and Redis. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  testTimeout: 300_000,
  maxWorkers: 1,
};
