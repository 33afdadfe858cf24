// Collection scripts that try to leave their context: one technique each, grouped as an attacker
// would try them. Each script collects what it reaches into `seen` only when it is a host object —
// the run process's `process`, Node's own `require`, the file system or a child-process module —
// and ends with a test named after it that fails if anything was seen. Async techniques check
// when their callback has run. Used by the escape and cross-run tests.

/** Detects a host object and tries every way a function in hand leads to `process` or `require`. */
const PRELUDE = String.raw`
const seen = [];
const isHost = (c) => {
  try {
    if (!c || (typeof c !== 'object' && typeof c !== 'function')) return false;
    // A proxy that answers every name (the sandbox's silent console) is no host object.
    if (typeof c.surelyNoSuchProperty !== 'undefined') return false;
    if (typeof c.pid === 'number' && typeof c.cwd === 'function') return true;
    if (typeof c.dlopen === 'function' || typeof c.binding === 'function') return true;
    if (typeof c === 'function' && typeof c.resolve === 'function' && c.cache && typeof c.cache === 'object') return true;
    if (typeof c.readFileSync === 'function' || typeof c.execSync === 'function' || typeof c.spawnSync === 'function') return true;
    if (c.env && typeof c.env === 'object' && typeof c.exit === 'function') return true;
    return false;
  } catch (e) { return false; }
};
const probe = (c) => { if (isHost(c)) seen.push(c); };
// Written with destructuring only (no member named constructor, caller …), as an attacker writes to
// get past a static analysis.
const viaFunction = (F) => {
  if (typeof F !== 'function') return;
  for (const body of ['return typeof process !== "undefined" ? process : undefined', 'return typeof require !== "undefined" ? require : undefined', 'return this', 'return typeof global !== "undefined" ? global : undefined', 'return typeof module !== "undefined" ? module : undefined']) {
    try {
      const got = F(body)();
      probe(got);
      if (got && typeof got === 'object') { const { process: p, require: r, mainModule: m, module: mo } = got; probe(p); probe(r); probe(m); if (mo) { const { require: mr } = mo; probe(mr); } }
    } catch (e) {}
  }
};
const viaObject = (o) => { try { probe(o); if (o === null || o === undefined) return; const { constructor: K } = o; viaFunction(K); if (K) { const { constructor: KK } = K; viaFunction(KK); } } catch (e) {} };
const walkCallers = (f) => {
  for (let i = 0; f && i < 64; i++) {
    try { viaObject(f); } catch (e) {}
    try { ({ caller: f } = f); } catch (e) { return; }
  }
};
const verdict = (name) => pm.test('escape: ' + name, () => { if (seen.length) throw new Error(name + ' reached the host'); });
`;

export interface Escape {
  group: string;
  name: string;
  /** The technique; it runs after PRELUDE and before the verdict (unless it calls verdict itself). */
  code: string;
  /** The technique calls verdict(name) itself (async: after its callback ran). */
  async?: boolean;
  /** How the script is written in the collection: exec lines (default), one string, or an array. */
  form?: 'exec' | 'string' | 'array';
  /**
   * Written alone, without the prelude's loops and helpers, as an attacker writes to pass a static
   * analysis: the script ends with its own verdict (a host `process` in `p` fails it).
   */
  plain?: boolean;
}

/** The verdict of a plain technique: `p` must not be the host's process. */
const plainVerdict = (name: string) => `pm.test(${JSON.stringify(`escape: ${name}`)}, () => pm.expect(typeof p === 'object' && p !== null && typeof p.pid === 'number' && typeof p.cwd === 'function').to.eql(false));`;

export const ESCAPES: Escape[] = [
  // Destructuring in every position
  { group: 'destructuring', name: 'declaration', code: 'const { constructor: F } = () => 0; viaFunction(F);' },
  { group: 'destructuring', name: 'parameter', code: '(({ constructor: F }) => viaFunction(F))(() => 0);' },
  { group: 'destructuring', name: 'catch clause', code: 'try { null.x(); } catch ({ constructor: E }) { viaFunction(E.constructor); viaObject(E); }' },
  { group: 'destructuring', name: 'nested from pm', code: 'const { response: { constructor: { constructor: F } } } = pm; viaFunction(F);' },
  { group: 'destructuring', name: 'for-of and defaults', code: 'for (const { constructor: F = 0 } of [pm.request, pm.response, pm.environment]) viaFunction(F && F.constructor);' },
  // The same, written plainly: no loop, no `.constructor` member, no computed key, no runner global
  { group: 'destructuring', name: 'plain declaration', plain: true, code: 'const { constructor: F } = () => 0; const p = F(\'return typeof process === "object" ? process : undefined\')();' },
  { group: 'destructuring', name: 'plain parameter', plain: true, code: 'const p = (({ constructor: F }) => F(\'return typeof process === "object" ? process : undefined\')())(() => 0);' },
  { group: 'destructuring', name: 'plain catch', plain: true, code: 'let p; try { null.x(); } catch ({ constructor: { constructor: F } }) { p = F(\'return typeof process === "object" ? process : undefined\')(); }' },
  { group: 'callbacks', name: 'plain response value', plain: true, code: 'const { constructor: { constructor: F } } = pm.response.json(); const p = F(\'return typeof process === "object" ? process : undefined\')();' },
  // chai's own introspection
  { group: 'chai', name: 'property _obj', code: "try { const a = pm.expect({}).to.have.property('constructor'); viaObject(a._obj); viaFunction(a._obj.constructor); } catch (e) {}" },
  { group: 'chai', name: 'satisfy callback', code: "pm.expect(1).to.satisfy(function () { walkCallers(arguments.callee.caller); viaObject(this); return true; });" },
  { group: 'chai', name: 'flags', code: "const a = pm.expect(1); viaObject(a.__flags); for (const k in a.__flags) viaObject(a.__flags[k]);" },
  { group: 'chai', name: 'descriptors', code: "let p = pm.expect(1); for (let i = 0; p && i < 5; i++) { for (const k of Object.getOwnPropertyNames(p)) { const d = Object.getOwnPropertyDescriptor(p, k); viaFunction(d && d.get && d.get.constructor); viaObject(d && d.value); } p = Object.getPrototypeOf(p); }" },
  // Callbacks into pm, chai, lodash, Array, JSON
  { group: 'callbacks', name: 'pm headers each', code: 'pm.response.headers.each(function () { walkCallers(arguments.callee.caller); viaObject(this); });' },
  { group: 'callbacks', name: 'Array map this', code: '[1].map(function () { viaObject(this); probe(this && this.process); walkCallers(arguments.callee.caller); });' },
  { group: 'callbacks', name: 'JSON.parse reviver', code: 'JSON.parse(\'{"a":{"b":1}}\', function (k, v) { viaObject(this); walkCallers(arguments.callee.caller); return v; });' },
  { group: 'callbacks', name: 'lodash each', code: "const _l = require('lodash'); _l.each([1], function () { walkCallers(arguments.callee.caller); }); _l.mixin({ leak: function () { walkCallers(arguments.callee.caller); } }); _l.leak();" },
  { group: 'callbacks', name: 'variables and response values', code: 'viaObject(pm.response.json()); viaObject(pm.response.headers.toObject()); viaObject(pm.variables.toObject()); viaObject(pm.environment.toObject()); viaObject(pm.request.toJSON());' },
  // Coercions
  { group: 'coercion', name: 'valueOf', code: 'const o = { valueOf: function () { walkCallers(arguments.callee.caller); return 1; } }; pm.environment.set("v", o + 1); pm.expect(o * 2).to.eql(2);' },
  { group: 'coercion', name: 'toString', code: 'const o = { toString: function () { walkCallers(arguments.callee.caller); return "x"; } }; pm.environment.set("s", o); String(o); pm.request.headers.add({ key: "X-T", value: o });' },
  { group: 'coercion', name: 'Symbol.toPrimitive', code: 'const o = { [Symbol.toPrimitive]: function () { walkCallers(arguments.callee.caller); return 2; } }; pm.variables.set("p", `${o}`); pm.expect(+o).to.eql(2);' },
  { group: 'coercion', name: 'toJSON', code: 'const o = { toJSON: function () { walkCallers(arguments.callee.caller); viaObject(this); return { a: 1 }; } }; pm.environment.set("j", o); pm.variables.set("k", o); console.log(o);' },
  // Tagged templates
  { group: 'templates', name: 'tagged template', code: 'function tag(strings) { viaObject(strings); viaObject(strings.raw); walkCallers(tag.caller); return 1; } tag`x${1}y`;' },
  // Stack-trace APIs
  { group: 'stack traces', name: 'Error.prepareStackTrace', code: 'try { Error.prepareStackTrace = (e, frames) => { for (const f of frames) { try { viaObject(f.getThis()); viaObject(f.getFunction()); } catch (x) {} } return ""; }; } catch (e) {} String(new Error("x").stack); try { null.f(); } catch (e) { String(e.stack); }' },
  { group: 'stack traces', name: 'replace global Error', code: 'try { globalThis.Error = { prepareStackTrace: (e, frames) => { for (const f of frames) { try { viaObject(f.getFunction()); } catch (x) {} } return ""; } }; } catch (e) {} try { undefinedThing; } catch (e) { String(e.stack); }' },
  { group: 'stack traces', name: 'captureStackTrace', code: 'const o = {}; try { Error.captureStackTrace(o, Error); String(o.stack); } catch (e) {} viaObject(Object.getOwnPropertyDescriptor(Error, "prepareStackTrace"));' },
  // Prototype writes through response and variable values
  { group: 'prototypes', name: 'writes through response values', code: 'const body = pm.response.json(); body.__proto__.fromResponse = "yes"; Object.getPrototypeOf(pm.response.headers).polluted = "yes"; viaObject(Object.getPrototypeOf(body));' },
  { group: 'prototypes', name: '__proto__ variable keys', code: 'for (const set of [() => pm.environment.set("__proto__", "x"), () => pm.variables.set("constructor", "y"), () => pm.collectionVariables.set("__proto__.polluted", "z"), () => pm.globals.set("prototype", "w")]) { try { set(); } catch (e) {} } viaObject({}.polluted);' },
  // String-form and array-form scripts
  { group: 'forms', name: 'string-form script', code: 'viaFunction((() => 0).constructor); probe(typeof process !== "undefined" ? process : undefined);', form: 'string' },
  { group: 'forms', name: 'array-form script', code: 'probe(this && this.process); viaObject(this);', form: 'array' },
  // Legacy globals
  { group: 'legacy', name: 'legacy globals', code: "for (const o of [responseBody, responseHeaders, responseCode, postman, tests, globals, environment, iteration, request, xml2Json, CryptoJS, _]) viaObject(o); viaObject(postman.setEnvironmentVariable); tests['legacy ran'] = true;" },
  // require of each sandbox module
  {
    group: 'require',
    name: 'every sandbox module',
    code: "for (const m of ['lodash', 'cheerio', 'moment', 'crypto-js', 'atob', 'btoa', 'ajv', 'tv4', 'xml2js', 'chai', 'postman-collection', 'uuid', 'csv-parse/lib/sync', 'buffer', 'url', 'util', 'events', 'path', 'stream', 'querystring', 'punycode', 'string_decoder', 'timers', 'assert', 'backbone']) { try { const mod = require(m); viaObject(mod); if (mod && typeof mod === 'object') for (const k of Object.keys(mod).slice(0, 40)) viaObject(mod[k]); } catch (e) {} }",
  },
  { group: 'require', name: 'Node modules by name', code: "for (const m of ['fs', 'child_process', 'worker_threads', 'vm', 'module', 'process', 'node:fs', 'node:child_process', 'http', 'net', 'os']) { try { probe(require(m)); } catch (e) {} } try { probe(require.main); probe(require.cache); } catch (e) {}" },
  // pm.sendRequest callbacks
  { group: 'sendRequest', name: 'sendRequest callback', async: true, code: "pm.sendRequest(pm.variables.replaceIn('{{baseUrl}}/send'), function (err, res) { walkCallers(arguments.callee.caller); viaObject(res); viaObject(err); verdict('sendRequest callback'); });" },
  // Async and timer callbacks
  { group: 'async', name: 'setTimeout callback', async: true, code: "setTimeout(function () { walkCallers(arguments.callee.caller); viaObject(this); verdict('setTimeout callback'); }, 1);" },
  { group: 'async', name: 'promise and async function', async: true, code: "(async () => { await null; const p = Promise.resolve(1); viaObject(p); await p.then(function () { walkCallers(arguments.callee.caller); }); verdict('promise and async function'); })();" },
  // Ways around the context
  { group: 'context', name: 'top-level this and eval', code: 'probe(this && this.process); viaObject(this); try { probe(eval("typeof process !== \'undefined\' && process")); } catch (e) {} try { probe((0, eval)("this").process); } catch (e) {}' },
  { group: 'context', name: 'global object chain', code: 'let g = (function () { return this; })(); for (let i = 0; g && i < 6; i++) { for (const k of Object.getOwnPropertyNames(g)) { try { viaObject(g[k]); } catch (e) {} } g = Object.getPrototypeOf(g); }' },
  { group: 'context', name: 'dynamic import', async: true, code: "import('fs').then((m) => probe(m), () => undefined).then(() => verdict('dynamic import'));" },
  { group: 'context', name: 'the runner channel', code: "const g = (function () { return this; })(); for (const k of ['__pp_receive', '__pp_in', '__pp_port', '__pp_boot', 'bridge', '__uvm_emit', '__uvm_dispatch']) { try { const v = g[k]; viaObject(v); if (typeof v === 'function') viaObject(v('x')); } catch (e) {} }" },
];

function scriptOf(escape: Escape): unknown {
  const source = escape.plain ? `${escape.code}\n${plainVerdict(escape.name)}` : `${PRELUDE}\n${escape.code}\n${escape.async ? '' : `verdict(${JSON.stringify(escape.name)});`}`;
  if (escape.form === 'string') return source;
  if (escape.form === 'array') return source.split('\n');
  return { exec: source.split('\n') };
}

/** A collection with one request per escape, its script in its test event. */
export function escapeCollection(name = 'Escape corpus'): Record<string, unknown> {
  return {
    info: { name, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: ESCAPES.map((escape, i) => ({
      name: `${escape.group}: ${escape.name}`,
      request: { method: 'GET', url: `{{baseUrl}}/escape/${i}` },
      event: [{ listen: 'test', script: scriptOf(escape) }],
    })),
  };
}

/**
 * What a script of run A does to everything it can reach: built-in prototypes, chai, lodash, pm
 * objects, Object.prototype.proxy, timers. Each is wrapped so one failing does not stop the rest.
 */
export const MUTATIONS: string[] = [
  'Object.prototype.proxy = { host: "127.0.0.1", port: 9, protocol: "http:" };',
  'Object.prototype.polluted = "yes"; Object.prototype.headers = { Authorization: "stolen" };',
  "const { Assertion } = require('chai'); Assertion.prototype.assert = function () {};",
  "require('chai').Assertion.addProperty('ok', function () {}); require('chai').config.includeStack = true;",
  "const _ = require('lodash'); _.isEqual = () => true; _.get = () => 'tampered'; _.mixin({ each: () => undefined });",
  'Array.prototype.map = function () { return ["tampered"]; }; Array.prototype.push = function () { return 0; };',
  'JSON.parse = () => ({ tampered: true }); JSON.stringify = () => "{}";',
  'Function.prototype.toString = () => "tampered"; Promise.prototype.then = function () { return this; };',
  'String.prototype.toUpperCase = () => "TAMPERED"; Number.prototype.toFixed = () => "0";',
  'pm.test = () => undefined; pm.expect = () => ({ to: { eql: () => undefined } });',
  'const g = (function () { return this; })(); setInterval(() => { g.ticked = (g.ticked || 0) + 1; }, 1); g.setTimeout = () => 0;',
  'Object.freeze(Object.prototype); Object.freeze(Array.prototype);',
  "Object.defineProperty(Object.prototype, 'url', { get() { return 'http://127.0.0.1:9/'; }, configurable: true });",
  'Error.captureStackTrace = () => undefined; Math.random = () => 0;',
];

/**
 * The same kind of changes written plainly (destructuring, no loop, no computed key, no require), as
 * an attacker writes to pass a static analysis: chai's assert made a no-op, and a proxy for every
 * request on Object.prototype.
 */
export const PLAIN_MUTATIONS: string[] = [
  'const { constructor: { prototype: P } } = pm.expect(1); P.assert = function () {};',
  "const { constructor: { prototype: O } } = {}; O.proxy = { host: '127.0.0.1', port: 9, protocol: 'http:' }; O.polluted = 'yes';",
];

/** A script applying `mutations`, each in its own try. */
export const mutatorScript = (mutations: string[]) => mutations.map((m) => `try { ${m} } catch (e) {}`).join('\n');
