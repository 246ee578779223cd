/** Integration tests: real servers started from the generated config files, on 127.0.0.1 only. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/integration'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // One suite at a time: the servers compete for 2 cores and for ports.
  maxWorkers: 1,
  testTimeout: 300000,
  reporters: ['default', '<rootDir>/test/integration/roots/suite-times.js'],
};
