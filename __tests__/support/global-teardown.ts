// Fails the run if a suite left any of its prefixed data behind in this run's parent directory.
// Only this run's directory is inspected, so leftovers of an earlier, killed run never fail a later one.
import { readdirSync, rmSync } from 'node:fs';

export const TEST_PREFIXES = ['Test_Task2_', 'Test_Task3_', 'Test_Task4_', 'Test_Task5_'];

export default function globalTeardown(): void {
  const parent = process.env.POSTMAN_POWER_TEST_TMP;
  if (!parent) return;
  const left = readdirSync(parent);
  rmSync(parent, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`Tests left temporary data behind: ${left.join(', ')}. Each test must remove what it creates.`);
  }
}
