// The one redaction used at every edge (tool results, resources, reports, logs, CLI output, errors,
// progress). Structural: a value is walked and only free-text strings are masked; keys, numbers and
// the enum-like fields the server itself generates (status, kind, code, runId…) are never touched.
// A secret is found in every encoding it can take on the way out: the text is decoded (keeping where
// each character came from) as JSON once and twice (`\"`, `\\`, `\/`, `\uXXXX` either case), as
// percent/form encoding (encodeURIComponent, postman-url-encoder, either hex case), as XML/HTML
// entities, and all at once; the secret is searched in each reading and the original span masked.
// Base64 of a basic-auth pair is registered as a secret of its own (see secret-sources.ts).

/** Secrets shorter than this (in code points) are masked only where they are a whole field's value. */
export const MIN_SECRET_LENGTH = 4;
export const MASK = '****';

/** Keys whose string values the server generates or that are enums: masking them would corrupt structure. */
export const STRUCTURAL_KEYS: ReadonlySet<string> = new Set([
  'status', 'kind', 'code', 'runId', 'outcome', 'level', 'shape', 'apiKeySource', 'region', 'type', 'method',
  'startedAt', 'endedAt', 'mimeType', 'uri',
]);

/** `****abcd`: at most the last 4 characters, none for short secrets (used to name the API key in config). */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${MASK}${secret.slice(-4)}` : MASK;
}

/** Text decoded by one family of escapes, with where each decoded code unit came from. */
interface Decoded {
  text: string;
  /** The text this one was decoded from (null: this is the original). */
  parent: Decoded | null;
  /** One entry per escape undone, in order: where its characters are here and where it was in the parent. */
  escapes: Array<{ at: number; length: number; from: number; size: number }>;
}

interface Families {
  json?: boolean;
  /**
   * JSON escapes read one backslash later: the first backslash of a run is kept as it is. Text
   * written next to an escaped value (a stray `\` before it) shifts how backslashes pair up.
   */
  jsonShifted?: boolean;
  percent?: boolean;
  plus?: boolean;
  html?: boolean;
}

const JSON_SHORT: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY = /^&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/;

/** The value of the hex digits text[at, at+count), or -1. */
function hexAt(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let k = at; k < at + count; k += 1) {
    const c = text.charCodeAt(k);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** A run of `%XX` bytes at `at` that is one well-formed UTF-8 character: [the character, its length]. */
function percentCharAt(text: string, at: number): [string, number] | undefined {
  const lead = hexAt(text, at + 1, 2);
  if (lead < 0) return undefined;
  if (lead < 0x80) return [String.fromCharCode(lead), 3];
  const length = lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
  if (!length) return undefined;
  let codePoint = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k += 1) {
    const byte = text[at + 3 * k] === '%' ? hexAt(text, at + 3 * k + 1, 2) : -1;
    if (byte < 0x80 || byte > 0xbf) return undefined;
    codePoint = (codePoint << 6) | (byte & 0x3f);
  }
  const minimum = [0, 0, 0x80, 0x800, 0x10000][length];
  if (codePoint < minimum || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  return [String.fromCodePoint(codePoint), 3 * length];
}

/** The span in the original text that code unit `i` of a decoded text came from. */
function spanOf(d: Decoded, i: number): [number, number] {
  if (!d.parent) return [i, i + 1];
  // The last escape that starts at or before i (binary search: escapes are in order).
  let low = 0;
  let high = d.escapes.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (d.escapes[mid].at <= i) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  let from: number;
  let to: number;
  if (found < 0) [from, to] = [i, i + 1];
  else {
    const escape = d.escapes[found];
    if (i < escape.at + escape.length) [from, to] = [escape.from, escape.from + escape.size];
    else {
      const offset = escape.from + escape.size + (i - escape.at - escape.length);
      [from, to] = [offset, offset + 1];
    }
  }
  return [spanOf(d.parent, from)[0], spanOf(d.parent, to - 1)[1]];
}

/** One escape at `i`: what it decodes to and how long it is, or undefined. */
function escapeAt(text: string, i: number, families: Families): [string, number] | undefined {
  const c = text[i];
  if (families.jsonShifted && c === '\\' && text[i + 1] === '\\' && text[i - 1] !== '\\') return undefined;
  if ((families.json || families.jsonShifted) && c === '\\' && i + 1 < text.length) {
    const next = text[i + 1];
    if (next in JSON_SHORT) return [JSON_SHORT[next], 2];
    const unit = next === 'u' ? hexAt(text, i + 2, 4) : -1;
    if (unit >= 0) return [String.fromCharCode(unit), 6];
  }
  if (families.percent && c === '%') {
    const decoded = percentCharAt(text, i);
    if (decoded) return decoded;
  }
  if (families.plus && c === '+') return [' ', 1];
  if (families.html && c === '&') {
    const entity = ENTITY.exec(text.slice(i, i + 12));
    if (entity) {
      const codePoint = entity[1] ? Number(entity[1]) : entity[2] ? parseInt(entity[2], 16) : -1;
      const chars = codePoint >= 0 ? (codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '') : NAMED[entity[3]];
      if (chars) return [chars, entity[0].length];
    }
  }
  return undefined;
}

const FINDERS = new Map<Families, RegExp>();

/** The characters that can start an escape of each family (one regex per family set, made once). */
function escapeStarts(families: Families): RegExp {
  let finder = FINDERS.get(families);
  if (!finder) {
    finder = new RegExp(`[${families.json || families.jsonShifted ? '\\\\' : ''}${families.percent ? '%' : ''}${families.plus ? '+' : ''}${families.html ? '&' : ''}]`, 'g');
    FINDERS.set(families, finder);
  }
  finder.lastIndex = 0;
  return finder;
}

/**
 * One linear pass that undoes the chosen families of escapes. Anything that is not a complete escape
 * is kept as it is, so decoding never fails; it only has to find every place a secret can hide.
 */
function decode(source: Decoded, families: Families): Decoded {
  const { text } = source;
  const escapes: Decoded['escapes'] = [];
  let out = '';
  const finder = escapeStarts(families);
  let cursor = 0;
  for (let match = finder.exec(text); match; match = finder.exec(text)) {
    const at = match.index;
    const escape = escapeAt(text, at, families);
    if (!escape) continue;
    const [chars, size] = escape;
    out += text.slice(cursor, at);
    escapes.push({ at: out.length, length: chars.length, from: at, size });
    out += chars;
    cursor = at + size;
    finder.lastIndex = cursor;
  }
  if (!escapes.length) return source;
  return { text: out + text.slice(cursor), parent: source, escapes };
}

const JSON_ONLY: Families = { json: true };
const JSON_SHIFTED: Families = { jsonShifted: true };
const PERCENT_ONLY: Families = { percent: true };
const FORM: Families = { percent: true, plus: true };
const HTML_ONLY: Families = { html: true };
const EVERYTHING: Families = { json: true, percent: true, html: true };
const MAY_BE_ENCODED = /[\\%+&]/;

/**
 * Every reading of a text a secret can hide in: as written; JSON-unescaped once and twice; percent-
 * and form-decoded; HTML/XML-unescaped; and all of those at once, once and twice (a URL inside a
 * JSON body written by PHP carries both `%27` and `\/`).
 */
function readings(text: string): Decoded[] {
  const raw: Decoded = { text, parent: null, escapes: [] };
  if (!MAY_BE_ENCODED.test(text)) return [raw];
  const json = decode(raw, JSON_ONLY);
  const all = decode(raw, EVERYTHING);
  const shifted = decode(raw, JSON_SHIFTED);
  const every = [raw, json, decode(json, JSON_ONLY), shifted, decode(shifted, JSON_ONLY), decode(raw, PERCENT_ONLY), decode(raw, FORM), decode(raw, HTML_ONLY), all, decode(all, EVERYTHING)];
  return [...new Set(every)];
}

/** Control characters XML cannot carry: writers drop them (our JUnit report does). */
const XML_DROPPED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** The registry of secrets for one server (or one CLI command), and the redaction over it. */
export class SecretSet {
  /** Each secret (≥ MIN_SECRET_LENGTH) with the variants searched for: itself, and itself as XML carries it. */
  private readonly patterns = new Map<string, string[]>();
  private readonly shortSecrets = new Set<string>();
  private readonly listeners = new Set<(count: number) => void>();

  /** Registers secrets: the raw value and its trimmed form. Empty values are ignored. */
  add(...values: Array<string | undefined | null>): this {
    for (const value of values) {
      if (typeof value !== 'string') continue;
      for (const form of new Set([value, value.trim()])) {
        if (form === '' || this.patterns.has(form) || this.shortSecrets.has(form)) continue;
        if (codePointLength(form) < MIN_SECRET_LENGTH) {
          this.shortSecrets.add(form);
          for (const listener of this.listeners) listener(this.shortSecrets.size);
        } else {
          // As XML carries it (some control characters dropped) and as UTF-8 carries it (a lone surrogate becomes U+FFFD).
          const variants = new Set([form, Buffer.from(form, 'utf8').toString('utf8')]);
          const xmlForm = form.replace(XML_DROPPED, '');
          if (codePointLength(xmlForm) >= MIN_SECRET_LENGTH) variants.add(xmlForm);
          this.patterns.set(form, [...variants]);
        }
      }
    }
    return this;
  }

  has(value: string): boolean {
    return this.patterns.has(value) || this.shortSecrets.has(value);
  }

  get size(): number {
    return this.patterns.size + this.shortSecrets.size;
  }

  /** How many secrets are too short to be masked inside free text. */
  get shortCount(): number {
    return this.shortSecrets.size;
  }

  /** Hears when a short secret is registered (the server warns once). */
  onShortSecret(listener: (count: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Masks every encoded form of every secret in one free-text string. */
  redactText(text: string): string {
    if (text.length === 0) return text;
    if (this.shortSecrets.has(text) || this.shortSecrets.has(text.trim())) return MASK;
    if (this.patterns.size === 0) return text;
    // Every occurrence of every secret is found in the original text first, then the union of
    // their spans is masked: overlapping secrets cannot leave part of each other behind.
    const spans: Array<[number, number]> = [];
    for (const reading of readings(text)) {
      for (const variants of this.patterns.values()) {
        for (const secret of variants) {
          for (let at = reading.text.indexOf(secret); at >= 0; at = reading.text.indexOf(secret, at + 1)) {
            spans.push([spanOf(reading, at)[0], spanOf(reading, at + secret.length - 1)[1]]);
          }
        }
      }
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let cursor = 0;
    let [start, end] = spans[0];
    for (const [from, to] of spans.slice(1)) {
      if (from <= end) {
        end = Math.max(end, to);
        continue;
      }
      out += text.slice(cursor, start) + MASK;
      cursor = end;
      [start, end] = [from, to];
    }
    return out + text.slice(cursor, start) + MASK + text.slice(end);
  }

  /** A deep copy with every free-text string masked; keys, numbers and structural fields are kept. */
  redact<T>(value: T): T {
    return redactValue(value, this) as T;
  }
}

/** Iterative walk (deep values cannot overflow the stack). */
function redactValue(value: unknown, set: SecretSet): unknown {
  if (typeof value === 'string') return set.redactText(value);
  if (!value || typeof value !== 'object') return value;
  const root: { value: unknown } = { value: undefined };
  const stack: Array<{ source: unknown; target: Record<string, unknown> | unknown[]; key: string | number }> = [{ source: value, target: root as unknown as Record<string, unknown>, key: 'value' }];
  while (stack.length) {
    const { source, target, key } = stack.pop()!;
    let copy: unknown;
    if (typeof source === 'string') copy = set.redactText(source);
    else if (Array.isArray(source)) {
      const list: unknown[] = new Array(source.length);
      source.forEach((item, index) => stack.push({ source: item, target: list, key: index }));
      copy = list;
    } else if (source && typeof source === 'object') {
      const record: Record<string, unknown> = {};
      for (const [field, item] of Object.entries(source)) {
        // Assigned now so the copy keeps the key order; filled in when the walk reaches it.
        record[field] = item;
        if (!(STRUCTURAL_KEYS.has(field) && typeof item === 'string')) stack.push({ source: item, target: record, key: field });
      }
      copy = record;
    } else copy = source;
    (target as Record<string | number, unknown>)[key] = copy;
  }
  return root.value;
}
