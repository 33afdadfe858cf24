// Temporary workspaces for tests: a directory under this run's parent, named with the suite's prefix,
// removed by `cleanup()` (call it in afterEach/afterAll).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type SuitePrefix = 'Test_Task2_' | 'Test_Task3_' | 'Test_Task4_' | 'Test_Task5_';

export interface TempWorkspace {
  dir: string;
  /** Writes a file (text, or JSON for anything else), creating parent directories. */
  write(relative: string, content: unknown): string;
  mkdir(relative: string): string;
  symlink(target: string, relative: string): string;
  path(...parts: string[]): string;
  cleanup(): void;
}

function testParent(): string {
  const parent = process.env.POSTMAN_POWER_TEST_TMP ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  return parent;
}

export function createTempWorkspace(prefix: SuitePrefix): TempWorkspace {
  const dir = mkdtempSync(path.join(testParent(), prefix));
  // A .git marker stops the config lookup from climbing out of the workspace.
  mkdirSync(path.join(dir, '.git'));
  const at = (...parts: string[]) => path.join(dir, ...parts);
  return {
    dir,
    path: at,
    write(relative, content) {
      const file = at(relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2));
      return file;
    },
    mkdir(relative) {
      mkdirSync(at(relative), { recursive: true });
      return at(relative);
    },
    symlink(target, relative) {
      const link = at(relative);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(target, link);
      return link;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh workspace and a folder outside it for each test of the calling file (confinement tests
 * need both), handed over through `use`, and both removed after each test.
 */
export function useWorkspaceAndOutside(prefix: SuitePrefix, use: (ws: TempWorkspace, outside: TempWorkspace) => void): void {
  let created: TempWorkspace[] = [];
  beforeEach(() => {
    created = [createTempWorkspace(prefix), createTempWorkspace(prefix)];
    use(created[0], created[1]);
  });
  afterEach(() => {
    for (const workspace of created) workspace.cleanup();
  });
}
