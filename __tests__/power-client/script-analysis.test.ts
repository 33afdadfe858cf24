// The analysis that decides whether a sandbox host may serve another run: scripts that only use their
// own execution are "clean"; anything that could change a built-in, a global or a shared module — or
// that the analysis does not understand — is not.
import { collectionScripts, mayTouchSharedRealm } from '../../src/core/runner/script-analysis.js';

const CLEAN = [
  "pm.test('status', () => pm.response.to.have.status(200));",
  "const body = pm.response.json(); pm.expect(body.items).to.have.lengthOf(3); pm.environment.set('id', body.items[0].id);",
  "var total = 0; for (const item of pm.response.json().items) { total += item.n; } pm.variables.set('total', total);",
  "tests['status is 200'] = responseCode.code === 200; postman.setEnvironmentVariable('a', 'b');",
  "const o = {}; o.x = 1; o['y'] = 2; delete o.x; const list = []; list[0] = 1; let i = 0; i++;",
  "const copy = Object.assign({}, pm.response.json()); const merged = _.merge({}, copy);",
  "function check(r) { return r.code; } pm.test('c', function () { pm.expect(check(pm.response)).to.eql(200); });",
  "const { a, b: [c] } = pm.response.json(); let d; [d] = [a, c]; console.log(d);",
  "try { JSON.parse(responseBody); } catch (e) { e.message = 'x'; }",
  "const ids = pm.response.json().items.map(Number).filter(Boolean); pm.expect(pm.response.code).to.eql(200);",
  "pm.environment.set('seen', pm.response.json().path); pm.expect(JSON.parse(responseBody).id).to.eql(1);",
  "pm.collectionVariables.unset('x'); pm.globals.set('g', 1); pm.request.headers.add({ key: 'k', value: 'v' });",
];

const SHARED = [
  ['a prototype', 'Object.prototype.leaked = 1;'],
  ['a prototype by bracket', "[]['constructor']['prototype'].x = 1;"],
  ['__proto__', "({}).__proto__.x = 1;"],
  ['a global object', 'JSON.parse = () => ({});'],
  ['a global by name', "Math.random = () => 4;"],
  ['an undeclared name (an implicit global)', 'leaked = 1;'],
  ['deleting from a global', 'delete Array.isArray;'],
  ['Object.defineProperty', "Object.defineProperty(Array, 'x', { value: 1 });"],
  ['Object.assign into a global', 'Object.assign(JSON, { x: 1 });'],
  ['lodash extended in place', "_.mixin({ shout: (s) => s.toUpperCase() });"],
  ['chai extended in place', 'chai.use(function (c) {});'],
  ['an alias of a global written through', 'const j = JSON; j.x = 1;'],
  ['a destructured alias written through', 'const { parse } = JSON; parse.cache = {};'],
  ['an alias of an alias', 'let a; a = Math; const b = a; b.x = 1;'],
  ['a global handed to a function that writes its parameter', 'function tag(o) { o.tagged = true; } tag(JSON);'],
  ['a built-in method of a literal', 'const concat = [].concat; concat.x = 1;'],
  ['a property descriptor of a global', "const d = Object.getOwnPropertyDescriptor(JSON, 'parse');"],
  ['chai handed to a function', 'function tag(o) { o.tagged = true; } tag(pm.expect);'],
  ['a deep write into pm (chai is shared)', 'pm.expect.extra = 1;'],
  ['a computed path that can reach a prototype', "const o = pm.response.json(); o[k1][k2] = 1;"],
  ['this', 'this.x = 1;'],
  ['eval', "eval('x')"],
  ['the Function constructor', "Function('return this')().x = 1;"],
  ['globalThis', 'globalThis.x = 1;'],
  ['require (modules are shared)', "const moment = require('moment'); moment.locale('fr');"],
  ['Reflect', "Reflect.set(JSON, 'x', 1);"],
  ['with', 'with (JSON) { x = 1; }'],
  ['freezing a global', 'Object.freeze(Math);'],
  ['a syntax error (not understood)', 'pm.test(('],
] as const;

describe('mayTouchSharedRealm', () => {
  it.each(CLEAN)('clean: %s', (source) => {
    expect(mayTouchSharedRealm(source)).toBe(false);
  });
  it.each(SHARED)('shared: %s', (_what, source) => {
    expect(mayTouchSharedRealm(source)).toBe(true);
  });
});

describe('collectionScripts', () => {
  it('finds the scripts of the collection, its folders and requests, in either exec form', () => {
    const collection = {
      event: [{ listen: 'prerequest', script: { exec: ['a();', 'b();'] } }],
      item: [{ name: 'f', event: [{ listen: 'test', script: { exec: 'c();' } }], item: [{ name: 'r', event: [{ listen: 'test', script: {} }] }] }],
    };
    expect(collectionScripts(collection).sort()).toEqual(['a();\nb();', 'c();']);
  });
});
