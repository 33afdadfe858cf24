// Bounded input: one iterative check of depth and size for every JSON/YAML value before it is used
// or structured-cloned to a run's worker (structured cloning and postman-collection recurse, so a
// deep value would overflow their stack and take the process with it). The limits are named here
// and listed in RELIABILITY.md.
import { PowerError } from './errors.js';

/** Deepest nesting of arrays/objects in any value we read (a folder costs two levels). */
export const MAX_VALUE_DEPTH = 256;
/** Most arrays, objects and scalars in one value. */
export const MAX_VALUE_NODES = 2_000_000;
/** Deepest folder nesting in a collection (v2.x JSON and v12 directory trees). */
export const MAX_FOLDER_NESTING = 100;

type BoundCode = 'invalid_collection' | 'invalid_environment' | 'invalid_data_file' | 'config_invalid' | 'invalid_argument';

function tooDeep(where: string, code: BoundCode, depth: number): PowerError {
  return new PowerError(code, `${where} nests values more than ${MAX_VALUE_DEPTH} levels deep (found ${depth}); the limit is ${MAX_VALUE_DEPTH}`, {
    hint: 'No real collection, environment or data file needs that depth: flatten the value.',
    details: { limit: MAX_VALUE_DEPTH },
  });
}

/** A linear scan of JSON text for its bracket depth (outside strings), before any parser recurses into it. */
export function assertJsonTextDepth(text: string, where: string, code: BoundCode): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > MAX_VALUE_DEPTH) throw tooDeep(where, code, depth);
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
}

/** Iterative depth and node count of a parsed value; throws the given code with the limit in the message. */
export function assertValueBounds(value: unknown, where: string, code: BoundCode): void {
  let nodes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    nodes += 1;
    if (nodes > MAX_VALUE_NODES) {
      throw new PowerError(code, `${where} holds more than ${MAX_VALUE_NODES} values; the limit is ${MAX_VALUE_NODES}`, {
        hint: 'Split it into smaller files.',
        details: { limit: MAX_VALUE_NODES },
      });
    }
    if (!current || typeof current !== 'object') continue;
    if (depth + 1 > MAX_VALUE_DEPTH) throw tooDeep(where, code, depth + 1);
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
      else nodes += 1;
    }
  }
}

/** Longest delay Node's timers keep: a longer one fires at once, so no time setting may exceed it. */
export const MAX_TIMER_MS = 2_147_483_647;
/** Most shards a run is split into (a CI matrix; GitHub's holds 256 jobs). */
export const MAX_SHARDS = 1_000;
/** Most iterations the CLI runs (the tool allows fewer: an agent's call is shorter). */
export const MAX_CLI_ITERATIONS = 100_000;
/** Most lanes a run is split into. */
export const MAX_LANES = 16;
/** The largest count a report may state (requests, assertions, iterations): far beyond any real run. */
export const MAX_REPORT_COUNT = 1_000_000_000;
/** The longest run a report may state: a year. */
export const MAX_RUN_DURATION_MS = 366 * 24 * 60 * 60 * 1000;
