// One parent directory per test run, handed to every worker through the environment. Each suite
// creates its temporary data inside it under its own prefix (Test_Task2_, Test_Task3_, Test_Task4_).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function globalSetup(): void {
  process.env.POSTMAN_POWER_TEST_TMP = mkdtempSync(path.join(tmpdir(), 'postman-power-test-run-'));
}
