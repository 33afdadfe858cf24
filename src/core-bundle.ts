// The CLI's bundle (dist/postman-power.cjs) as a library of modules, by source path: the binary takes
// the CLI's main from it, and in the server's bundle (dist/postman-power-server.cjs) the modules
// src/server.ts and the resources import dynamically come from here (scripts/bundle.mjs points each
// such import at `coreModule`). Loaded once, with its code cache; unbundled, the imports are Node's own.
import { fileURLToPath } from 'node:url';
import { launch } from './launcher.js';

/** dist/postman-power.cjs's hash as the build recorded it (scripts/bundle.mjs). */
declare const __POSTMAN_POWER_BUNDLE_SHA256__: string | undefined;

/** What dist/postman-power.cjs exports: each module it carries for others, by its source path. */
interface CoreBundle {
  modules?: Record<string, (() => unknown) | undefined>;
}

const REINSTALL = 'Reinstall postman-power, or run `npm run build` in a checkout.';

/** A bundle of dist/ (beside this code) launched, or an error that names it and says what to do. */
export function launchBuilt(name: string, sha256: string | undefined): unknown {
  const file = fileURLToPath(new URL(name, import.meta.url));
  try {
    return launch(file, sha256);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);
    throw new Error(`postman-power could not load ${file} (${why}). ${REINSTALL}`);
  }
}

let bundle: CoreBundle | undefined;

export function coreModule(source: string): unknown {
  bundle ??= launchBuilt('./postman-power.cjs', typeof __POSTMAN_POWER_BUNDLE_SHA256__ === 'string' ? __POSTMAN_POWER_BUNDLE_SHA256__ : undefined) as CoreBundle;
  const load = bundle.modules?.[source];
  if (typeof load !== 'function') throw new Error(`postman-power's dist/postman-power.cjs carries no ${source}: it and the binary come from different builds. ${REINSTALL}`);
  return load();
}
