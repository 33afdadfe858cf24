/** @jest-config-loader ts-node */
// The jest run StrykerJS uses for `npm run test:mutation`: only the fast, direct tests of the
// modules that guard promises (redaction, the confined reader, config shape detection, status
// ranges, the health verdict, lane planning, JUnit building), so each mutant is judged in seconds.
// POSTMAN_POWER_MUTATION trims the 10 000-case redactor property to 100 cases (the regression and unit tests of the redactor run whole).
import type { Config } from 'jest';

const config: Config = {
  displayName: 'mutation',
  testMatch: [
    '<rootDir>/__tests__/core/redact.property.test.ts',
    '<rootDir>/__tests__/core/guards.test.ts',
    '<rootDir>/__tests__/core/files/workspace-files.test.ts',
    '<rootDir>/__tests__/core/redact-decoders.test.ts',
    '<rootDir>/__tests__/core/runs/lanes.test.ts',
    '<rootDir>/__tests__/core/collection/selection.test.ts',
    '<rootDir>/__tests__/core/results/summary.test.ts',
    '<rootDir>/__tests__/config/config-pure.test.ts',
    '<rootDir>/__tests__/config/config-shapes.property.test.ts',
    '<rootDir>/__tests__/health/health-pure.test.ts',
    '<rootDir>/__tests__/health/health.property.test.ts',
  ],
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }] },
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  testTimeout: 60_000,
};

export default config;
