// The redactor's decoders, example by example: each reading a secret can hide in (JSON escapes,
// percent- and form-encoding with multi-byte UTF-8, HTML/XML entities) is shown masked exactly where
// the secret was, and what only looks like an escape (overlong or surrogate UTF-8, bad hex, a cut
// escape) is left as written. The property (redact.property.test.ts) covers the combinations.
import { MASK, maskSecret, SecretSet, STRUCTURAL_KEYS } from '../../src/core/redact.js';

const redactValue = (value: unknown, secrets: SecretSet) => secrets.redact(value);

const SECRET = 'sécret-Tök€n-9';
const set = () => new SecretSet().add(SECRET);
const percent = (text: string) => encodeURIComponent(text);

describe('each encoding is masked exactly where the secret was', () => {
  it.each([
    ['raw', `a ${SECRET} b`, `a ${MASK} b`],
    ['JSON \\u escapes', `{"t":"${[...SECRET].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`, `{"t":"${MASK}"}`],
    ['JSON \\u escapes in upper-case hex', `x ${[...SECRET].map((c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join('')} y`, `x ${MASK} y`],
    ['percent-encoded UTF-8 (two and three bytes)', `q=${percent(SECRET)}&r=1`, `q=${MASK}&r=1`],
    ['percent-encoded, lower-case hex', `q=${percent(SECRET).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())}`, `q=${MASK}`],
    ['form-encoded (+ for a space)', `q=${percent('my sécret value').replace(/%20/g, '+')}`, `q=${MASK}`],
    ['HTML decimal and hex entities', `<p>${[...SECRET].map((c, i) => (i % 2 ? `&#${c.codePointAt(0)};` : `&#x${c.codePointAt(0)!.toString(16)};`)).join('')}</p>`, `<p>${MASK}</p>`],
    ['XML-escaped as it is', `<a v="${'a&b<c>"d'.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}"/>`, `<a v="${MASK}"/>`],
  ])('%s', (_name, text, expected) => {
    const secrets = set().add('my sécret value', 'a&b<c>"d');
    expect(secrets.redactText(text)).toBe(expected);
  });
});

describe('what only looks like an escape is left as written', () => {
  const secrets = new SecretSet().add('/etc', '\u00e9t\u00e9-x', '\ud7ff-edge');
  it.each([
    ['an overlong UTF-8 form (%C0%AF for /)', 'path=%C0%AFetc'],
    ['a UTF-16 surrogate in UTF-8 (%ED%A0%80)', 'x=%ED%A0%80-edge'],
    ['a continuation byte out of range', 'x=%C3%28t%C3%A9-x'],
    ['a lead byte with no continuation', 'x=%C3t%C3%A9-x'],
    ['bad hex digits', 'x=%G3%A9t%C3%A9-x'],
    ['an escape cut at the end', 'x=%C3%A'],
    ['a \\u escape with too few digits', '"\\u00e"'],
  ])('%s', (_name, text) => {
    expect(secrets.redactText(text)).toBe(text);
  });
  it('the largest code point below the surrogates is decoded', () => {
    expect(secrets.redactText(`v=${encodeURIComponent('\ud7ff-edge')}`)).toBe(`v=${MASK}`);
  });
  it('four-byte UTF-8 is decoded', () => {
    const emoji = new SecretSet().add('key-😀-x');
    expect(emoji.redactText(`k=${encodeURIComponent('key-😀-x')}`)).toBe(`k=${MASK}`);
  });
});

describe('spans', () => {
  it('overlapping and adjacent secrets become one mask; separate ones stay apart', () => {
    const secrets = new SecretSet().add('abcdef', 'defghi', 'xyz12');
    expect(secrets.redactText('abcdefghi')).toBe(MASK);
    expect(secrets.redactText('abcdef defghi')).toBe(`${MASK} ${MASK}`);
    expect(secrets.redactText('abcdefxyz12')).toBe(MASK);
    expect(secrets.redactText('..abcdef..xyz12..')).toBe(`..${MASK}..${MASK}..`);
  });
  it('every occurrence is masked', () => {
    expect(set().redactText(`${SECRET}${SECRET} ${SECRET}`)).toBe(`${MASK} ${MASK}`);
  });
  it('empty text, and a set with no secrets, change nothing', () => {
    expect(set().redactText('')).toBe('');
    expect(new SecretSet().redactText(`a ${SECRET}`)).toBe(`a ${SECRET}`);
  });
});

describe('values', () => {
  it('walks objects and arrays, masks free text, never structural keys, numbers or booleans', () => {
    const secrets = set();
    const value = { status: SECRET, note: `is ${SECRET}`, list: [SECRET, 7, true, null, { method: SECRET, deeper: [SECRET] }], n: 1 };
    expect(redactValue(value, secrets)).toEqual({ status: SECRET, note: `is ${MASK}`, list: [MASK, 7, true, null, { method: SECRET, deeper: [MASK] }], n: 1 });
    expect(value.note).toBe(`is ${SECRET}`);
    expect(redactValue(SECRET, secrets)).toBe(MASK);
    expect(redactValue(null, secrets)).toBeNull();
    expect(redactValue(5, secrets)).toBe(5);
    expect(STRUCTURAL_KEYS.has('status')).toBe(true);
  });
  it('has() knows long and short secrets; maskSecret shows at most the last 4 of a long key', () => {
    const secrets = new SecretSet().add('abc', 'a-long-enough');
    expect(secrets.has('abc')).toBe(true);
    expect(secrets.has('a-long-enough')).toBe(true);
    expect(secrets.has('other')).toBe(false);
    expect(maskSecret('PMAK-1234567')).toBe(`${MASK}4567`);
    expect(maskSecret('PMAK-123456')).toBe(MASK);
  });
});
