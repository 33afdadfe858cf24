// The package's name and version, read once from package.json.
import { readFileSync } from 'node:fs';

/** From src/core or dist/core (two levels up), or from the bundle in dist/ (one level up). */
function readVersion(): string {
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'postman-power') return pkg.version ?? '0.0.0';
    } catch {
      // Not there: the next candidate.
    }
  }
  return '0.0.0';
}

export const POWER_NAME = 'postman-power';
export const POWER_VERSION = readVersion();
