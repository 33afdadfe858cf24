// A grammar of pm calls (assertions with chai and chai-postman, the variable scopes, console, control
// flow, errors) from which fast-check generates collection scripts; BODY is what the backend answers.
// Used to check that our isolated executor and newman 6's sandbox give the same results.
import fc from 'fast-check';

export const BODY = { id: 7, name: 'Ada', ok: true, score: 9.5, tags: ['a', 'b'], items: [1, 2, 3], nested: { deep: { value: 'x' } }, nothing: null, empty: '' };

const key = fc.constantFrom('token', 'user', 'count', 'baseUrl', 'missing', 'a b', 'x');
const value = fc.oneof(
  fc.constantFrom("'text'", '42', 'true', 'null', 'undefined', "''", '0', '{ a: 1 }', '[1, 2]', 'new Date(0)', '-1.5', "'{{token}}'"),
  fc.string({ maxLength: 8 }).map((text) => JSON.stringify(text)),
);
const jsonPath = fc.constantFrom('.id', '.name', '.ok', '.score', '.tags', '.items[1]', '.nested.deep.value', '.nothing', '.empty', '.path', '.missing', '.nested.missing.value');
const header = fc.constantFrom("'Content-Type'", "'x-trace'", "'X-Missing'", "'cache-control'");
const scope = fc.constantFrom('environment', 'variables', 'collectionVariables', 'globals');
const readScope = fc.constantFrom('environment', 'variables', 'collectionVariables', 'globals', 'iterationData');

const assertion = fc.oneof(
  fc.integer({ min: 199, max: 201 }).map((code) => `pm.response.to.have.status(${code})`),
  fc.tuple(jsonPath, value).map(([p, v]) => `pm.expect(pm.response.json()${p}).to.eql(${v})`),
  fc.tuple(jsonPath, fc.constantFrom("'string'", "'number'", "'array'", "'object'", "'boolean'", "'null'")).map(([p, t]) => `pm.expect(pm.response.json()${p}).to.be.a(${t})`),
  fc.tuple(jsonPath, fc.integer({ min: -1, max: 10 })).map(([p, n]) => `pm.expect(pm.response.json()${p}).to.be.above(${n})`),
  fc.tuple(jsonPath, value).map(([p, v]) => `pm.expect(pm.response.json()${p}).to.include(${v})`),
  header.map((h) => `pm.response.to.have.header(${h})`),
  fc.tuple(header, fc.string({ maxLength: 4 })).map(([h, s]) => `pm.expect(pm.response.headers.get(${h})).to.include(${JSON.stringify(s)})`),
  jsonPath.map((p) => `pm.response.to.have.jsonBody(${JSON.stringify(p.slice(1))})`),
  fc.string({ maxLength: 5 }).map((s) => `pm.expect(pm.response.text()).to.include(${JSON.stringify(s)})`),
  fc.constantFrom('pm.response.to.be.ok', 'pm.response.to.be.json', 'pm.response.to.not.be.error', 'pm.response.to.have.jsonBody()', 'pm.expect(pm.response.responseTime).to.be.a("number")', 'pm.expect(pm.response.code).to.be.oneOf([200, 201])'),
  fc.tuple(readScope, key, value).map(([s, k, v]) => `pm.expect(pm.${s}.get(${JSON.stringify(k)})).to.eql(${v})`),
  fc.tuple(readScope, key).map(([s, k]) => `pm.expect(pm.${s}.has(${JSON.stringify(k)})).to.be.true`),
  fc.constantFrom('pm.expect(pm.info.requestName).to.be.a("string")', 'pm.expect(pm.info.iteration).to.eql(0)', 'pm.expect(pm.info.eventName).to.eql("test")', 'pm.expect(pm.request.method).to.eql("GET")', 'pm.expect(pm.request.url.toString()).to.include("status")'),
);
const statement = fc.oneof(
  fc.tuple(fc.string({ maxLength: 10 }), fc.array(assertion, { minLength: 1, maxLength: 3 })).map(([name, body]) => `pm.test(${JSON.stringify(name)}, function () { ${body.join('; ')}; });`),
  fc.tuple(fc.string({ maxLength: 10 }), assertion).map(([name, body]) => `pm.test(${JSON.stringify(name)}, () => ${body});`),
  fc.tuple(scope, key, value).map(([s, k, v]) => `pm.${s}.set(${JSON.stringify(k)}, ${v});`),
  fc.tuple(scope, key, jsonPath).map(([s, k, p]) => `pm.${s}.set(${JSON.stringify(k)}, pm.response.json()${p});`),
  fc.tuple(scope, key).map(([s, k]) => `pm.${s}.unset(${JSON.stringify(k)});`),
  fc.tuple(fc.constantFrom('log', 'info', 'warn', 'error', 'debug'), fc.oneof(value, readScope.chain((s) => key.map((k) => `pm.${s}.get(${JSON.stringify(k)})`)), jsonPath.map((p) => `pm.response.json()${p}`))).map(([level, v]) => `console.${level}('value', ${v});`),
  fc.constantFrom("console.log(pm.variables.replaceIn('{{token}} and {{user}}'));", 'console.log(pm.response.json());', 'console.log(pm.response.headers.toObject());', "console.log(pm.environment.toObject(), pm.variables.toObject());"),
  fc.tuple(jsonPath, fc.string({ maxLength: 5 })).map(([p, name]) => `if (pm.response.json()${p}) { pm.test(${JSON.stringify(name)}, () => {}); } else { console.log('falsy'); }`),
  jsonPath.map((p) => `const read = pm.response.json()${p}; console.log(typeof read);`),
  fc.constantFrom('pm.response.json().nested.missing.value;', "pm.test('throws inside', () => { pm.response.json().missing.deep; });", "pm.test('fails', () => { throw new Error('plain error'); });", "throw new TypeError('top level');"),
);
// Each top-level `const` gets its own block so generated scripts never redeclare a name.
export const generatedScript = fc.array(statement, { minLength: 1, maxLength: 6 }).map((lines) => lines.map((line) => `{ ${line} }`).join('\n'));

/** The legacy APIs real collections still use: tests[], responseCode/responseBody, postman.*, require, timers. */
const legacyStatement = fc.oneof(
  fc.tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 199, max: 201 })).map(([name, code]) => `tests[${JSON.stringify(name)}] = responseCode.code === ${code};`),
  fc.tuple(fc.string({ maxLength: 8 }), jsonPath).map(([name, p]) => `tests[${JSON.stringify(name)}] = !!JSON.parse(responseBody)${p};`),
  fc.tuple(key, value).map(([k, v]) => `postman.setEnvironmentVariable(${JSON.stringify(k)}, ${v});`),
  fc.tuple(key, value).map(([k, v]) => `postman.setGlobalVariable(${JSON.stringify(k)}, ${v});`),
  key.map((k) => `console.log(postman.getEnvironmentVariable(${JSON.stringify(k)}), globals[${JSON.stringify(k)}], environment[${JSON.stringify(k)}]);`),
  fc.tuple(fc.string({ maxLength: 8 }), jsonPath, value).map(([name, p, v]) => `const _l = require('lodash'); pm.test(${JSON.stringify(name)}, () => pm.expect(_l.get(pm.response.json(), ${JSON.stringify(p.slice(1))})).to.eql(${v}));`),
  // Delays of 0 and 1 only (both are 1 ms to Node): which of two timers of *different* delays fires first
  // depends on the real time that passed between setting them — in newman as in ours — so two runs
  // cannot be compared on it (a 3 ms timer set 2 ms before a 1 ms one fires first only on a slow run).
  fc.tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0, max: 1 })).map(([name, ms]) => `setTimeout(() => pm.test(${JSON.stringify(name)}, () => pm.expect(responseCode.code).to.be.below(500)), ${ms});`),
  fc.string({ maxLength: 8 }).map((name) => `setImmediate(() => pm.test(${JSON.stringify(name)}, () => pm.expect(responseCode.code).to.be.a('number')));`),
  fc.tuple(fc.string({ maxLength: 8 }), jsonPath).map(([name, p]) => `pm.test(${JSON.stringify(name)}, () => pm.expect(require('moment')(0).isValid() && require('crypto-js').MD5('a').toString()).to.be.a('string')); console.log(xml2Json('<a>1</a>'), JSON.stringify(pm.response.json()${p}));`),
);

/** A script of pm calls and legacy APIs, each statement in its own block. */
export const mixedScript = fc.array(fc.oneof({ arbitrary: statement, weight: 3 }, { arbitrary: legacyStatement, weight: 1 }), { minLength: 1, maxLength: 6 }).map((lines) => lines.map((line) => `{ ${line} }`).join('\n'));
