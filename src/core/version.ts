// The package's name and version, read once from package.json (two levels up from src/core or dist/core).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const POWER_NAME = 'postman-power';
export const POWER_VERSION = readVersion();
