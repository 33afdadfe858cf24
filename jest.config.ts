/** @jest-config-loader ts-node */
// One jest project per suite of the plan: config (task 2), power-client (task 3), health (task 4),
// checkpoint (task 5, all together); e2e (the built server and CLI over stdio); and modules, the
// tests of src/'s own modules, filed where the module is (__tests__/core/engine/ tests
// src/core/engine/). `npm test` runs them across workers; `npm run test:shard -- 1/3` runs one shard.
import os from 'node:os';
import type { Config } from 'jest';

// Each run under test starts its own worker and sandbox threads: more jest workers than cores only
// makes every test slower (and a loaded machine time out). One per core, at most four.
const workers = Math.max(1, Math.min(os.availableParallelism(), 4));

const suite = (name: string, extra: Partial<Config> = {}): Config => ({
  displayName: name,
  testMatch: [`<rootDir>/__tests__/${name}/**/*.test.ts`],
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/after-file.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  ...extra,
});

// What mirrors src/: its top-level modules and each folder of it.
const MODULE_TESTS = ['<rootDir>/__tests__/*.test.ts', '<rootDir>/__tests__/{cli,core,resources,tools}/**/*.test.ts'];

const config: Config = {
  projects: [suite('config'), suite('power-client'), suite('health'), suite('checkpoint'), suite('e2e'), suite('modules', { testMatch: MODULE_TESTS })],
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  maxWorkers: workers,
  // The longest files first, also on a clean clone where jest has no timings of its own.
  testSequencer: '<rootDir>/__tests__/support/longest-first.mjs',
  // Sized for a loaded machine (see `npm run test:stress`); long tests set their own.
  testTimeout: 60_000,
};

export default config;
