// Replacing one exact upstream text in a source, the one way the engine patches (engine-patches.ts,
// for the runner's engine) and the boot code patches (boot-code-patches.ts, for what runs inside a
// script context) are applied.

export interface SourcePatch {
  /** The upstream text, which must occur exactly once. */
  find: string;
  replace: string;
}

/** The patched source, or undefined when the upstream text is not there exactly once. */
export function patchSource(code: string, patch: SourcePatch): string | undefined {
  const at = code.indexOf(patch.find);
  if (at < 0 || code.indexOf(patch.find, at + 1) >= 0) return undefined;
  return code.slice(0, at) + patch.replace + code.slice(at + patch.find.length);
}

/** A source's patches, applied together or not at all: the patched source, or undefined. */
export function patchFile(code: string, patches: readonly SourcePatch[]): string | undefined {
  let patched: string | undefined = code;
  for (const patch of patches) patched = patched === undefined ? undefined : patchSource(patched, patch);
  return patched;
}
