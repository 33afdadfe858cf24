// One parent directory per test run, handed to every worker through the environment. Each suite
// creates its temporary data inside it under its own prefix (Test_Task2_, Test_Task3_, Test_Task4_).
// The built server (dist/) is what the e2e tests spawn and what runs use as their worker: when any
// source is newer than the build (jest called directly, without `npm test`'s build step), it is
// rebuilt here, so no test ever runs stale code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function newestMtime(dir: string, extension: RegExp): number {
  let newest = 0;
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (extension.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

export function buildIsStale(root = process.cwd()): boolean {
  const dist = path.join(root, 'dist');
  if (!existsSync(path.join(dist, 'postman-power.cjs'))) return true;
  return newestMtime(path.join(root, 'src'), /\.ts$/) > newestMtime(dist, /\.js$/);
}

export default function globalSetup(): void {
  process.env.POSTMAN_POWER_TEST_TMP = mkdtempSync(path.join(tmpdir(), 'postman-power-test-run-'));
  if (buildIsStale()) {
    process.stderr.write('\n[global-setup] dist/ is older than src/: building before the tests\n');
    execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    execFileSync(process.execPath, [path.resolve('scripts/bundle.mjs')], { stdio: 'inherit' });
  }
}
