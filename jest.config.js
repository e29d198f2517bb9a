/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  // Most suites wait on real servers, Redis and timers rather than the CPU: two workers on the 2-core CI machine keep
  // `npm test` under its 15-minute budget (jest's default, cores − 1, runs them one at a time).
  maxWorkers: 2,
};
