// The heap limit of a run's process, sized from what the run and its scripts' context hold. A limit
// hit means a runaway run or script: the process ends and the run with out_of_memory
// (process-runner.ts) instead of taking the machine's memory. It can be set outright by environment.
import { DEFAULT_RUN } from '../runs/defaults.js';
import { countRequests, iterationCount } from '../collection/items.js';
import type { RunInput } from '../runs/run-input.js';

const MB = 1024 * 1024;
/** What a thread needs before its input: the engine or the pm API, a request or script in flight. */
const BASE_MB = 256;
/** Heap per byte of input JSON once parsed: postman-collection's objects, the runtime's copies. */
const INPUT_EXPANSION = 20;
/** Held per request until the run ends: its compact record and its share of the summary. */
const PER_REQUEST_BYTES = 16 * 1024;
/** A response is read whole (up to the run's response limit), then decoded and parsed by scripts. */
const RESPONSE_COPIES = 6;
/** The most a sized limit reaches; more takes the environment variable. */
const MAX_MB = 4096;
/**
 * Warm run processes start before their run is known: with room for most runs (about 30 000 requests
 * of a small collection), so a run rarely waits for a worker of its own size.
 */
export const WARM_HEAP_MB = 1024;

export type SizedInput = Partial<Pick<RunInput, 'collection' | 'environment' | 'globals' | 'envVars' | 'data' | 'iterations' | 'maxResponseBytes'>>;

/** The limit set by environment (POSTMAN_POWER_RUN_HEAP_MB: the whole run process; POSTMAN_POWER_SCRIPT_HEAP_MB: its scripts' share), if any. */
export function askedHeapMb(variable: 'POSTMAN_POWER_RUN_HEAP_MB' | 'POSTMAN_POWER_SCRIPT_HEAP_MB'): number | undefined {
  const asked = Number(process.env[variable]);
  return Number.isInteger(asked) && asked >= 16 ? asked : undefined;
}

/** Characters JSON.stringify writes for a string's content (escapes counted), without writing them. */
function stringLength(text: string): number {
  if (!/["\\\u0000-\u001f\ud800-\udfff]/.test(text)) return text.length + 2;
  let length = 2;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x0c || code === 0x0a || code === 0x0d || code === 0x09) length += 2;
    else if (code < 0x20) length += 6;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      length += 2;
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) length += 6;
    else length += 1;
  }
  return length;
}

/**
 * The length of JSON.stringify(value), worked out by walking it instead of writing it: sizing a run
 * must not copy its collection. Anything but plain JSON data (toJSON, functions in arrays, bigint)
 * is measured by JSON.stringify itself; a cycle (which JSON.stringify refuses) is infinite.
 */
export function jsonLength(value: unknown, inProgress = new Set<object>()): number {
  if (value === null) return 4;
  switch (typeof value) {
    case 'string':
      return stringLength(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      break;
    case 'bigint':
      return Number.POSITIVE_INFINITY;
    default:
      // undefined, a function, a symbol: left out of an object, null in an array.
      return Number.NaN;
  }
  const object = value as object;
  if (inProgress.has(object)) return Number.POSITIVE_INFINITY;
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return jsonBytes(object);
  inProgress.add(object);
  let length = 2;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i += 1) {
      const item = jsonLength(object[i], inProgress);
      length += (Number.isNaN(item) ? 4 : item) + (i > 0 ? 1 : 0);
    }
  } else {
    let members = 0;
    for (const key of Object.keys(object)) {
      const item = jsonLength((object as Record<string, unknown>)[key], inProgress);
      if (Number.isNaN(item)) continue;
      length += stringLength(key) + 1 + item + (members > 0 ? 1 : 0);
      members += 1;
    }
  }
  inProgress.delete(object);
  return length;
}

/** JSON bytes of a value (one that cannot be measured counts as too big: the thread gets the most). */
function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Rows measured to size a data file: more are estimated from them, so sizing stays cheap on the server's thread. */
const SAMPLED_ROWS = 200;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * JSON bytes of data rows: exact up to SAMPLED_ROWS, else the mean of that many times the rows. The
 * rows measured follow the golden ratio's multiples, so data that repeats a pattern every few rows is
 * not sampled at one phase of it (evenly spaced rows would be).
 */
function dataBytes(rows: unknown[] | undefined): number {
  if (!rows?.length) return 0;
  if (rows.length <= SAMPLED_ROWS) return jsonBytes(rows);
  let sampled = 0;
  for (let i = 1; i <= SAMPLED_ROWS; i += 1) sampled += jsonBytes(rows[Math.floor(((i * GOLDEN) % 1) * rows.length)]);
  return Math.ceil((sampled / SAMPLED_ROWS) * rows.length);
}

const sized = (bytes: number) => Math.min(MAX_MB, BASE_MB + Math.ceil(bytes / MB));
// A process warmed before its run is sized for the default response limit.
const responseRoom = (input: SizedInput) => (input.maxResponseBytes ?? DEFAULT_RUN.maxResponseBytes) * RESPONSE_COPIES;

/**
 * The heap limit of a run's thread, in MB: its collection, scopes and data (parsed), one record per
 * request sent (requests × iterations) and the largest response it accepts.
 */
export function runHeapMb(input: SizedInput = {}): number {
  const asked = askedHeapMb('POSTMAN_POWER_RUN_HEAP_MB');
  if (asked) return asked;
  const parsed = (input.collection ? jsonLength(input.collection) : 0) + jsonBytes(input.environment) + jsonBytes(input.globals) + jsonBytes(input.envVars) + dataBytes(input.data);
  const sent = input.collection ? countRequests(input.collection.item) * iterationCount(input) : 0;
  return sized(parsed * INPUT_EXPANSION + sent * PER_REQUEST_BYTES + responseRoom(input));
}

/**
 * The heap limit of a sandbox thread, in MB: what one execution is given (the variable scopes, the
 * largest data row) and the largest response it may parse. Scripts keep nothing else between runs.
 */
export function scriptHeapMb(input: SizedInput = {}): number {
  const asked = askedHeapMb('POSTMAN_POWER_SCRIPT_HEAP_MB');
  if (asked) return asked;
  const largestRow = (input.data ?? []).reduce((most, row) => Math.max(most, jsonBytes(row)), 0);
  const scopes = jsonBytes(input.collection?.variable) + jsonBytes(input.environment) + jsonBytes(input.globals) + jsonBytes(input.envVars);
  return sized((scopes + largestRow) * INPUT_EXPANSION + responseRoom(input));
}

/**
 * The heap limit of a run's process, in MB: the run (runHeapMb) and its scripts' context
 * (scriptHeapMb) share one heap now that scripts run in a context of the run's process.
 */
export function runProcessHeapMb(input: SizedInput = {}): number {
  return askedHeapMb('POSTMAN_POWER_RUN_HEAP_MB') ?? runHeapMb(input) + scriptHeapMb(input);
}

/** A warm process's limit, before its run is known: set outright by environment, else room for most runs. */
export function warmProcessHeapMb(): number {
  return askedHeapMb('POSTMAN_POWER_RUN_HEAP_MB') ?? Math.max(WARM_HEAP_MB, runHeapMb()) + scriptHeapMb();
}
