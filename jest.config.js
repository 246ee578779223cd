/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Integration and e2e suites have their own configs (they start real servers; e2e needs root).
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/', '\\.e2e\\.test\\.ts$'],
  // Type-checking happens once in `tsc --noEmit`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
