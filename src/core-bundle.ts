// In the server's bundle (dist/postman-power-server.cjs), the modules src/server.ts and the resources
// import dynamically come from here: scripts/bundle.mjs points each such import at `coreModule`,
// which loads the CLI's bundle (dist/postman-power.cjs, with its code cache) once and takes the
// module from it. The front's bundle stays small; unbundled, the imports are Node's own.
import { fileURLToPath } from 'node:url';
import { launch } from './launcher.js';

/** dist/postman-power.cjs's hash as the build recorded it (scripts/bundle.mjs). */
declare const __POSTMAN_POWER_BUNDLE_SHA256__: string | undefined;

/** What dist/postman-power.cjs exports: each module it carries for others, by its source path. */
export interface CoreBundle {
  modules: Record<string, () => unknown>;
}

let bundle: CoreBundle | undefined;

export function coreModule(source: string): unknown {
  bundle ??= launch(fileURLToPath(new URL('./postman-power.cjs', import.meta.url)), typeof __POSTMAN_POWER_BUNDLE_SHA256__ === 'string' ? __POSTMAN_POWER_BUNDLE_SHA256__ : undefined) as CoreBundle;
  const load = bundle.modules[source];
  if (!load) throw new Error(`dist/postman-power.cjs carries no ${source}: the two bundles come from different builds (npm run build)`);
  return load();
}
