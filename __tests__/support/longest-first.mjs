// The order jest starts test files in. Jest runs the longest first when it has timings cached from
// an earlier run on this checkout; a clean clone (every CI machine) has none, so jest orders by file
// size, and the three files that take 20–40 s (the executor against newman, the escape corpus, heap
// limits) started in the middle of the run and stretched its end by their length. Their expected
// seconds (from `npm test` on a 2-core machine) stand in until jest has timings of its own.
import TestSequencer from '@jest/test-sequencer';

const Base = TestSequencer.default ?? TestSequencer;

const EXPECTED_SECONDS = {
  'core/engine/script-escapes.test.ts': 19,
  'core/engine/executor-parity.test.ts': 39,
  'core/engine/heap-limits.test.ts': 22,
  'core/redact.property.test.ts': 9,
  'e2e/cli-reporter.test.ts': 9,
  'power-client/newman-parity-cases.test.ts': 8,
};

const expectedMs = (test) => {
  const relative = test.path.split(/[\\/]__tests__[\\/]/).pop()?.split('\\').join('/');
  const seconds = relative === undefined ? undefined : EXPECTED_SECONDS[relative];
  return seconds === undefined ? undefined : seconds * 1000;
};

export default class LongestFirst extends Base {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const cost = (test) => test.duration ?? expectedMs(test) ?? -1;
    // Failed first (as jest does), then the longest; the rest keep jest's order (the sort is stable).
    return [...sorted].sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || cost(b) - cost(a));
  }
}
