/**
 * End-to-end tests: dist/<env> run on this machine the way a cluster would (test/e2e/README.md).
 * Run through `npm run test:e2e` (scripts/e2e.sh), which runs jest inside the harness's own node
 * network namespace, as root. Only `*.e2e.test.ts` files; the harness's pure parts have ordinary
 * unit tests in the main suite.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // One suite at a time: a platform uses both cores.
  maxWorkers: 1,
  testTimeout: 900000,
  // Every session stops what it started (processes, mounts, namespaces) in afterAll; what is left
  // are the harness's own idle sockets and watches, which would keep jest from exiting (CI waited
  // for ever after a green run).
  forceExit: true,
};
