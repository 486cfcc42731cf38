// One config for the whole monorepo. Tests import sibling packages by name; the mapper points those
// names at their sources so `npm test` needs no build step first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/core', '<rootDir>/packages', '<rootDir>/plugins', '<rootDir>/examples'],
  // The model test spawns processes that open the worker's engine directory, which only a process that
  // never held an engine can give up: it runs in a jest invocation of its own (PERMAFROST_JEST=model).
  testMatch: process.env.PERMAFROST_JEST === 'model' ? ['**/src/model/**/*.test.ts'] : ['**/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', ...(process.env.PERMAFROST_JEST === 'model' ? [] : ['/src/model/'])],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    '^@permafrost/core$': '<rootDir>/core/src/index.ts',
    '^@permafrost/core/plugin$': '<rootDir>/core/src/plugin.ts',
    '^@permafrost/backend-lib$': '<rootDir>/packages/backend-lib/src/index.ts',
    '^@permafrost/backend-lib/servers$': '<rootDir>/packages/backend-lib/src/servers/index.ts',
    '^@permafrost/backend-lib/testing$': '<rootDir>/packages/backend-lib/src/testing/index.ts',
    '^@permafrost/dev-stack$': '<rootDir>/packages/dev-stack/src/index.ts',
    '^@permafrost/dev-stack/testing$': '<rootDir>/packages/dev-stack/src/jest/test-stack.ts',
    '^@permafrost/plugin-cold-storage$': '<rootDir>/plugins/cold-storage/src/index.ts',
    '^@permafrost/plugin-metrics$': '<rootDir>/plugins/metrics/src/index.ts',
    '^@permafrost/plugin-metrics/testing$': '<rootDir>/plugins/metrics/src/testing/exposition.ts',
    '^@permafrost/cli$': '<rootDir>/packages/cli/src/index.ts',
  },
  globalSetup: '<rootDir>/packages/dev-stack/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/packages/dev-stack/src/jest/global-teardown.ts',
  // tsyringe needs the Reflect polyfill before any decorated class loads, as an app's entry point would.
  setupFiles: ['reflect-metadata'],
  testTimeout: 120000,
  maxWorkers: 2,
};
