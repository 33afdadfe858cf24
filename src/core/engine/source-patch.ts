// Replacing exact upstream texts in a source, the one way the engine patches (engine-patches.ts, for
// the runner's engine) and the boot code patches (boot-code-patches.ts, for what runs inside a
// script context) are applied.

export interface SourcePatch {
  /** The upstream text, which must occur exactly once. */
  find: string;
  replace: string;
}

/**
 * A source's patches, applied together or not at all: the patched source, or undefined when a text
 * is not there exactly once or two of them overlap. Every text is looked for in the source as given
 * and the result is put together once: patching the 2 MB boot code one patch at a time made V8
 * flatten it again for each search (~10 ms of every run process's start, against ~1 ms).
 */
export function patchFile(code: string, patches: readonly SourcePatch[]): string | undefined {
  const found: Array<{ at: number; patch: SourcePatch }> = [];
  for (const patch of patches) {
    const at = code.indexOf(patch.find);
    if (at < 0 || code.indexOf(patch.find, at + 1) >= 0) return undefined;
    found.push({ at, patch });
  }
  found.sort((a, b) => a.at - b.at);
  let patched = '';
  let from = 0;
  for (const { at, patch } of found) {
    if (at < from) return undefined;
    patched += code.slice(from, at) + patch.replace;
    from = at + patch.find.length;
  }
  return patched + code.slice(from);
}

/** The source with one patch, or undefined when its upstream text is not there exactly once. */
export function patchSource(code: string, patch: SourcePatch): string | undefined {
  return patchFile(code, [patch]);
}
