// Discovery: the collection, environment and globals files in a workspace, for when nothing is
// configured or a reference is a name. Bounded: skips dependency and build folders, stops at a depth
// and a file count.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface DiscoveredFiles {
  collections: string[];
  environments: string[];
  globals: string[];
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.postman-power', 'vendor', 'target', '.next', '.venv']);
const MAX_DEPTH = 5;
const MAX_ENTRIES = 5000;

type Kind = keyof DiscoveredFiles;

/** Which kind a file is, by Postman's export names or its place under postman/. */
export function classifyFile(relative: string): Kind | undefined {
  const posix = relative.split(path.sep).join('/');
  const base = path.posix.basename(posix).toLowerCase();
  if (base.endsWith('.postman_collection.json')) return 'collections';
  if (base.endsWith('.postman_environment.json')) return 'environments';
  if (base.endsWith('.postman_globals.json')) return 'globals';
  if (/\.environment\.ya?ml$/.test(base)) return 'environments';
  if (/\.globals\.ya?ml$/.test(base)) return 'globals';
  if (/(^|\/)postman\/collections\/[^/]+\.json$/i.test(posix)) return 'collections';
  if (/(^|\/)postman\/environments\/[^/]+\.json$/i.test(posix)) return 'environments';
  if (/(^|\/)postman\/globals\/[^/]+\.json$/i.test(posix)) return 'globals';
  return undefined;
}

/** Workspace-relative paths (posix separators), sorted. */
export async function discoverFiles(root: string): Promise<DiscoveredFiles> {
  const found: DiscoveredFiles = { collections: [], environments: [], globals: [] };
  let seen = 0;
  async function walk(dir: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH || seen > MAX_ENTRIES) return;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      seen += 1;
      if (seen > MAX_ENTRIES) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const relative = path.relative(root, full).split(path.sep).join('/');
        // Postman v12: each directory directly under postman/collections/ is a (v3 YAML) collection.
        if (/(^|\/)postman\/collections\/[^/]+$/.test(relative) && !entry.name.startsWith('.')) found.collections.push(relative);
        else if (!SKIP.has(entry.name) && !(entry.name.startsWith('.') && entry.name !== '.postman')) await walk(full, depth + 1);
      } else if (entry.isFile()) {
        const relative = path.relative(root, full);
        const kind = classifyFile(relative);
        if (kind) found[kind].push(relative.split(path.sep).join('/'));
      }
    }
  }
  await walk(root, 0);
  for (const list of Object.values(found)) list.sort();
  return found;
}
