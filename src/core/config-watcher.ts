// Watches the directory that holds (or would hold) `.postman.json` and calls back, debounced, when
// it changes. Directories are watched rather than the file because editors save by rename.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFile(file: string, onChange: () => void, debounceMs = 50): ConfigWatcher {
  const dir = path.dirname(file);
  const name = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, changed) => {
      if (changed && changed.toString() !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // A directory that cannot be watched (gone, no permission): the config is re-read on demand instead.
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
