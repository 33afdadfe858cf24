// Static analysis of collection scripts, by parsing them (acorn), never by pattern-matching text.
//
// `mayTouchSharedRealm` answers one question conservatively: could this script change something that
// outlives its own execution in the sandbox — a built-in's prototype, a global object, a module? A
// pooled sandbox host is lent to the next run only when no script of the run could; otherwise it is
// disposed and the next run gets a fresh one, exactly as newman boots one per run. A wrong "yes"
// costs a sandbox boot; a wrong "no" would let one run see another's changes, so every construct the
// analysis does not understand counts as "yes".
import { parse, type Node } from 'acorn';
import { ancestor, base, recursive } from 'acorn-walk';

/** Names the sandbox creates afresh for each execution: changing them does not outlive it. */
const PER_EXECUTION = new Set(['pm', 'tests', 'globals', 'environment', 'data', 'iteration', 'request', 'responseBody', 'responseCode', 'responseHeaders', 'responseTime', 'responseCookies', 'postman', 'undefined', 'NaN', 'Infinity']);
/** Ways out of a script's own scope, or into shared modules. */
const ESCAPES = new Set(['eval', 'Function', 'globalThis', 'global', 'self', 'window', 'Reflect', 'require', 'arguments']);
/** Properties through which shared objects are reached or reshaped. */
const REACHING = new Set([
  'prototype', '__proto__', 'constructor', 'getPrototypeOf', 'setPrototypeOf', 'defineProperty', 'defineProperties', '__defineGetter__', '__defineSetter__',
  'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors', '__lookupGetter__', '__lookupSetter__',
  'caller', 'callee', 'require',
  // lodash and chai (shared by every execution) extended in place
  'mixin', 'templateSettings', 'use', 'addMethod', 'addProperty', 'addChainableMethod', 'overwriteMethod', 'overwriteProperty', 'overwriteChainableMethod',
]);
/** Calls that copy into their first argument: harmless only when that argument is a fresh literal. */
const COPY_INTO = new Set(['assign', 'extend', 'extendOwn', 'merge', 'mergeWith', 'defaults', 'defaultsDeep', 'set', 'setWith', 'update', 'assignIn', 'assignWith', 'freeze', 'seal', 'preventExtensions']);

/** Global functions commonly passed as callbacks (`.map(Number)`, `.filter(Boolean)`). */
const PURE_GLOBALS = new Set(['Number', 'String', 'Boolean', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI']);

type AnyNode = Node & Record<string, any>;

/** `pm.response.code`, `pm.iterationData` …: reading the execution's own objects to pass a value on. */
function perExecutionRead(member: AnyNode): boolean {
  const root = rootOf(member);
  if (root.type !== 'Identifier' || !PER_EXECUTION.has(root.name)) return false;
  // pm.expect is chai's, shared by every execution.
  for (let node = member; node.type === 'MemberExpression'; node = node.object) if (propertyName(node) === 'expect') return false;
  return true;
}

const analysed = new Map<string, boolean>();
const CACHE_LIMIT = 2_000;

/** True unless the script provably changes nothing beyond its own execution. */
export function mayTouchSharedRealm(source: string): boolean {
  const known = analysed.get(source);
  if (known !== undefined) return known;
  const verdict = analyse(source);
  if (analysed.size >= CACHE_LIMIT) analysed.clear();
  analysed.set(source, verdict);
  return verdict;
}

function propertyName(member: AnyNode): string | undefined {
  if (!member.computed && member.property.type === 'Identifier') return member.property.name as string;
  if (member.property.type === 'Literal') return String(member.property.value);
  return undefined;
}

/** The identifier a member chain starts from (`a` of `a.b[c].d`), or the non-identifier node. */
function rootOf(node: AnyNode): AnyNode {
  let current = node;
  while (current.type === 'MemberExpression' || current.type === 'ChainExpression') current = current.type === 'ChainExpression' ? current.expression : current.object;
  return current;
}

function analyse(source: string): boolean {
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true }) as AnyNode;
  } catch {
    // The sandbox will reject it too; but what is not understood counts as shared.
    return true;
  }
  const declared = declaredNames(program);
  const aliases = new Set<string>();
  const isShared = (identifier: string) => aliases.has(identifier) || (!declared.has(identifier) && !PER_EXECUTION.has(identifier));
  /** An expression that may evaluate to a shared object: a shared name, or a property reached from anything but a fresh local. */
  const sharedReference = (node: AnyNode | null | undefined): boolean => {
    if (!node) return false;
    if (node.type === 'Identifier') return isShared(node.name);
    if (node.type === 'MemberExpression' || node.type === 'ChainExpression') {
      const root = rootOf(node);
      // A call's result is a new value (`pm.response.json().items`); calls that hand out shared
      // objects (getPrototypeOf, require …) are flagged by name. `[].concat` is Array.prototype's.
      if (root.type === 'CallExpression' || root.type === 'NewExpression') return false;
      return root.type !== 'Identifier' || isShared(root.name) || PER_EXECUTION.has(root.name) || aliases.has(root.name);
    }
    if (node.type === 'ConditionalExpression') return sharedReference(node.consequent) || sharedReference(node.alternate);
    if (node.type === 'LogicalExpression' || node.type === 'SequenceExpression') return (node.expressions ?? [node.left, node.right]).some(sharedReference);
    return false;
  };
  // Names bound to shared objects (`const j = JSON`, `const { parse } = JSON`), to a fixpoint.
  for (let grew = true; grew; ) {
    grew = false;
    const bind = (pattern: AnyNode) =>
      forEachPatternTarget(pattern, (target) => {
        if (target.type === 'Identifier' && !aliases.has(target.name)) {
          aliases.add(target.name);
          grew = true;
        }
      });
    ancestor(program as Node, {
      VariableDeclarator(node: AnyNode) {
        if (sharedReference(node.init)) bind(node.id);
      },
      AssignmentExpression(node: AnyNode) {
        if (node.left.type !== 'MemberExpression' && sharedReference(node.right)) bind(node.left);
      },
    } as never);
  }
  let touches = false;
  const mark = () => {
    touches = true;
  };
  /** A write target: an undeclared name, a member of a shared object, or a computed path of unknown keys. */
  const checkTarget = (target: AnyNode) => {
    if (target.type === 'Identifier') {
      if (isShared(target.name)) mark();
      return;
    }
    if (target.type === 'MemberExpression') {
      const root = rootOf(target);
      if (root.type !== 'Identifier' || isShared(root.name)) return mark();
      // `tests['name'] = …` writes the execution's own object; `pm.expect.x = …` reaches chai, shared.
      if (PER_EXECUTION.has(root.name) && !declared.has(root.name) && target.object !== root) return mark();
      // `local[key1][key2] = …` can reach Object.prototype through `__proto__`; `local[key] = …` cannot.
      for (let node = target.object; node.type === 'MemberExpression'; node = node.object) if (node.computed && node.property.type !== 'Literal') return mark();
      return;
    }
    // Destructuring targets and anything else: not understood.
    if (target.type === 'ObjectPattern' || target.type === 'ArrayPattern') return forEachPatternTarget(target, checkTarget);
    mark();
  };
  ancestor(program as Node, {
    ThisExpression: mark,
    Identifier(node: AnyNode) {
      if (ESCAPES.has(node.name)) mark();
    },
    MemberExpression(node: AnyNode) {
      const name = propertyName(node);
      if (name !== undefined && REACHING.has(name)) mark();
    },
    AssignmentExpression(node: AnyNode) {
      checkTarget(node.left);
    },
    UpdateExpression(node: AnyNode) {
      checkTarget(node.argument);
    },
    UnaryExpression(node: AnyNode) {
      if (node.operator === 'delete') checkTarget(node.argument);
    },
    ForInStatement(node: AnyNode) {
      if (node.left.type !== 'VariableDeclaration') checkTarget(node.left);
    },
    ForOfStatement(node: AnyNode) {
      if (node.left.type !== 'VariableDeclaration') checkTarget(node.left);
    },
    CallExpression(node: AnyNode) {
      // A shared object handed to a function can be changed through its parameter.
      for (const argument of node.arguments as AnyNode[]) {
        const passed = argument.type === 'SpreadElement' ? argument.argument : argument;
        if (passed.type === 'Identifier' ? isShared(passed.name) && !PURE_GLOBALS.has(passed.name) : passed.type === 'MemberExpression' && sharedReference(passed) && !perExecutionRead(passed)) mark();
      }
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      if (callee.type !== 'MemberExpression') return;
      const name = propertyName(callee);
      const first = node.arguments[0] as AnyNode | undefined;
      if (name && COPY_INTO.has(name) && first && first.type !== 'ObjectExpression' && first.type !== 'ArrayExpression') {
        // `pm.environment.set(…)`, `pm.variables.set(…)`: per-execution scopes, not a copy into an object.
        if (rootOf(callee).type === 'Identifier' && PER_EXECUTION.has(rootOf(callee).name)) return;
        mark();
      }
    },
    // `with` changes what names mean; classes' static blocks and getters are fine, but `with` is not understood.
    WithStatement: mark,
  } as never);
  return touches;
}

/** Every name the script declares anywhere (var, let, const, functions, classes, parameters, catch). */
function declaredNames(program: AnyNode): Set<string> {
  const names = new Set<string>();
  const add = (pattern: AnyNode) => forEachPatternTarget(pattern, (target) => target.type === 'Identifier' && names.add(target.name));
  ancestor(program as Node, {
    VariableDeclarator(node: AnyNode) {
      add(node.id);
    },
    FunctionDeclaration(node: AnyNode) {
      if (node.id) names.add(node.id.name);
      for (const param of node.params) add(param);
    },
    FunctionExpression(node: AnyNode) {
      if (node.id) names.add(node.id.name);
      for (const param of node.params) add(param);
    },
    ArrowFunctionExpression(node: AnyNode) {
      for (const param of node.params) add(param);
    },
    ClassDeclaration(node: AnyNode) {
      if (node.id) names.add(node.id.name);
    },
    CatchClause(node: AnyNode) {
      if (node.param) add(node.param);
    },
  } as never);
  return names;
}

/** The leaves of a binding or assignment pattern. */
function forEachPatternTarget(pattern: AnyNode, visit: (target: AnyNode) => void): void {
  switch (pattern.type) {
    case 'ObjectPattern':
      for (const property of pattern.properties) forEachPatternTarget(property.type === 'RestElement' ? property.argument : property.value, visit);
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) forEachPatternTarget(element, visit);
      return;
    case 'RestElement':
      return forEachPatternTarget(pattern.argument, visit);
    case 'AssignmentPattern':
      return forEachPatternTarget(pattern.left, visit);
    default:
      visit(pattern);
  }
}

/** The source of every script in a collection (collection, folders, requests). */
export function collectionScripts(collection: unknown): string[] {
  const scripts: string[] = [];
  const stack: unknown[] = [collection];
  while (stack.length) {
    const node = stack.pop() as { event?: unknown; item?: unknown } | null;
    if (!node || typeof node !== 'object') continue;
    if (Array.isArray(node.event)) {
      for (const event of node.event as Array<{ script?: { exec?: unknown } }>) {
        const exec = event?.script?.exec;
        if (typeof exec === 'string') scripts.push(exec);
        else if (Array.isArray(exec)) scripts.push(exec.filter((line) => typeof line === 'string').join('\n'));
      }
    }
    if (Array.isArray(node.item)) stack.push(...node.item);
  }
  return scripts;
}

/** What a script visibly does to a run: the variables and headers it sets, requests it sends, flow it changes. */
export interface ScriptEffects {
  /** Variable keys set through pm.{environment,variables,collectionVariables,globals}.set or postman.set*Variable. */
  sets: string[];
  /** True when a key is computed (`pm.environment.set(name, …)`): what it sets cannot be named. */
  setsComputed: boolean;
  /** Header keys added or changed on the request. */
  headers: string[];
  sendsRequests: boolean;
  /** setNextRequest / skipRequest: the run's order is not the collection's. */
  flow: string[];
  /** The script does not parse (the sandbox will fail it too). */
  unparsed?: boolean;
}

const SCOPES = new Set(['environment', 'variables', 'collectionVariables', 'globals', 'iterationData']);
const LEGACY_SETTERS = new Set(['setEnvironmentVariable', 'setGlobalVariable']);
const FLOW = new Set(['setNextRequest', 'skipRequest']);

/** Reads a script's effects from its syntax tree (not its text): literal keys are named, computed ones flagged. */
export function scriptEffects(source: string): ScriptEffects {
  const effects: ScriptEffects = { sets: [], setsComputed: false, headers: [], sendsRequests: false, flow: [] };
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true }) as AnyNode;
  } catch {
    return { ...effects, unparsed: true };
  }
  const literal = (node: AnyNode | undefined): string | undefined => (node?.type === 'Literal' && typeof node.value === 'string' ? node.value : node?.type === 'TemplateLiteral' && node.expressions.length === 0 ? node.quasis[0].value.cooked : undefined);
  const add = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  ancestor(program as Node, {
    CallExpression(node: AnyNode) {
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      if (callee.type !== 'MemberExpression') return;
      const method = propertyName(callee);
      const owner = callee.object as AnyNode;
      const ownerName = owner.type === 'MemberExpression' ? propertyName(owner) : owner.type === 'Identifier' ? owner.name : undefined;
      const first = node.arguments[0] as AnyNode | undefined;
      if ((method === 'set' && ownerName && SCOPES.has(ownerName)) || (method && LEGACY_SETTERS.has(method))) {
        const key = literal(first);
        if (key === undefined) effects.setsComputed = true;
        else add(effects.sets, key);
      } else if ((method === 'add' || method === 'upsert') && ownerName === 'headers') {
        const key = first?.type === 'ObjectExpression' ? literal(first.properties.find((p: AnyNode) => p.type === 'Property' && (p.key.name === 'key' || p.key.value === 'key'))?.value) : undefined;
        add(effects.headers, key ?? '(computed)');
      } else if (method === 'addHeader') {
        add(effects.headers, literal(first) ?? '(computed)');
      } else if (method === 'sendRequest') {
        effects.sendsRequests = true;
      } else if (method && FLOW.has(method)) {
        add(effects.flow, method);
      }
    },
  } as never);
  return effects;
}

/**
 * What the fast script path (fast-scripts.ts) runs: pm's synchronous core over the execution's own
 * objects. Everything else — pm.sendRequest, require, cookies, vault, visualizer, pm.execution,
 * legacy globals (tests[], responseBody, postman.*), timers, async code, loops, `this` — goes to
 * postman-sandbox exactly as before.
 */
const FAST_PM = new Set(['test', 'expect', 'response', 'request', 'variables', 'environment', 'collectionVariables', 'globals', 'iterationData', 'info']);
/** Standard built-ins that behave the same in the sandbox's realm and the runner's. */
const FAST_GLOBALS = new Set([
  'pm', 'console', 'JSON', 'Math', 'Number', 'String', 'Boolean', 'Array', 'Object', 'Date', 'RegExp', 'Map', 'Set', 'Error', 'TypeError', 'RangeError', 'SyntaxError',
  'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI', 'undefined', 'NaN', 'Infinity', 'atob', 'btoa',
]);
/** Syntax the fast path does not run: loops and labels (could hang the run's thread), async code, classes, `this`. */
const NOT_FAST = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement', 'LabeledStatement', 'AwaitExpression', 'YieldExpression', 'ThisExpression', 'ClassDeclaration', 'ClassExpression', 'ImportExpression', 'MetaProperty', 'WithStatement', 'Super']);

/** What an eligible script needs of its execution's own objects. */
export interface FastPlan {
  /** It names pm.request: it gets its own copy, returned in the result (scripts may change it). */
  request: boolean;
  /** It uses pm.response other than to read it: it gets its own copy. */
  response: boolean;
  /** It names a variable scope (pm.variables, environment, collectionVariables, globals, iterationData). */
  scopes: boolean;
}

const SCOPE_NAMES = new Set(['variables', 'environment', 'collectionVariables', 'globals', 'iterationData']);
const fastPlans = new Map<string, FastPlan | null>();

/** How the fast path runs this script, or undefined when it must go to the sandbox (see FAST_PM, FAST_GLOBALS, NOT_FAST). */
export function fastPlan(source: string): FastPlan | undefined {
  let plan = fastPlans.get(source);
  if (plan === undefined) {
    try {
      plan = mayTouchSharedRealm(source) ? null : planFast(parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true }) as AnyNode);
    } catch {
      plan = null;
    }
    if (fastPlans.size >= CACHE_LIMIT) fastPlans.clear();
    fastPlans.set(source, plan);
  }
  return plan ?? undefined;
}

export function fastPathEligible(source: string): boolean {
  return fastPlan(source) !== undefined;
}

/** pm.response reads that change nothing: these properties, these methods called, and chai's `to`. */
const RESPONSE_VALUES = new Set(['code', 'status', 'responseTime', 'responseSize']);
const RESPONSE_METHODS = new Set(['text', 'json', 'reason', 'size', 'dataURI']);
const HEADER_READS = new Set(['get', 'has', 'toObject', 'count']);

/** True when this `pm.response` node (ancestors end with it) is only read. */
function readsResponse(ancestors: AnyNode[]): boolean {
  const at = (back: number) => ancestors[ancestors.length - 1 - back];
  const response = at(0);
  const next = at(1);
  // pm.expect(pm.response)…: chai reads what it is given.
  if (next?.type === 'CallExpression' && next.arguments.includes(response)) {
    const callee = next.callee;
    return callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'pm' && propertyName(callee) === 'expect';
  }
  if (next?.type !== 'MemberExpression' || next.object !== response || next.computed) return false;
  const name = propertyName(next) ?? '';
  const after = at(2);
  const written = (node: AnyNode, parent: AnyNode | undefined) =>
    (parent?.type === 'AssignmentExpression' && parent.left === node) || parent?.type === 'UpdateExpression' || (parent?.type === 'UnaryExpression' && parent.operator === 'delete');
  if (name === 'to') return !written(next, after);
  if (RESPONSE_VALUES.has(name)) return !written(next, after);
  if (RESPONSE_METHODS.has(name)) return after?.type === 'CallExpression' && after.callee === next;
  if (name === 'headers') {
    const call = at(3);
    return after?.type === 'MemberExpression' && after.object === next && HEADER_READS.has(propertyName(after) ?? '') && call?.type === 'CallExpression' && call.callee === after;
  }
  return false;
}

/** The runner's own globals (process, Buffer, require …): a script's local of the same name is refused too. */
const RUNNER_GLOBALS = new Set(Object.getOwnPropertyNames(globalThis));
/**
 * Globals the sandbox gives every script (postman-sandbox's LEGACY_GLOBS) and the runner does not. A
 * script may name its own locals so (`const data = pm.response.json()`), but a use of the name
 * outside the local's scope would read the sandbox's global there and fail here.
 */
const SANDBOX_GLOBALS = new Set(['tests', 'globals', 'environment', 'data', 'request', 'responseCookies', 'responseHeaders', 'responseTime', 'responseCode', 'responseBody', 'iteration', 'postman', '_', 'CryptoJS', 'tv4', 'xml2Json', 'Backbone', 'cheerio']);

/** The names a binding pattern binds. */
function patternNames(pattern: AnyNode | null | undefined): string[] {
  const names: string[] = [];
  if (pattern) forEachPatternTarget(pattern, (target) => target.type === 'Identifier' && names.push(target.name));
  return names;
}

/** `var` names hoisted to this function or program body (not those of functions nested in it). */
function hoistedVars(body: AnyNode): string[] {
  const names: string[] = [];
  recursive(body as Node, undefined, {
    Function: () => undefined,
    VariableDeclaration(node: AnyNode, state: unknown, visit: (n: Node, s: unknown) => void) {
      if (node.kind === 'var') for (const declarator of node.declarations) names.push(...patternNames(declarator.id));
      (base as unknown as Record<string, (n: Node, s: unknown, c: unknown) => void>).VariableDeclaration(node as Node, state, visit);
    },
  } as never);
  return names;
}

/** True when `scope` (an ancestor of a use of `name`) declares `name`. */
function declares(scope: AnyNode, name: string): boolean {
  if (scope.type === 'CatchClause') return patternNames(scope.param).includes(name);
  if (scope.type === 'FunctionExpression' || scope.type === 'FunctionDeclaration' || scope.type === 'ArrowFunctionExpression') {
    if (scope.type === 'FunctionExpression' && scope.id?.name === name) return true;
    if (scope.params.some((param: AnyNode) => patternNames(param).includes(name))) return true;
    return scope.body.type === 'BlockStatement' && hoistedVars(scope.body).includes(name);
  }
  if (scope.type !== 'Program' && scope.type !== 'BlockStatement') return false;
  if (scope.type === 'Program' && hoistedVars(scope).includes(name)) return true;
  return (scope.body as AnyNode[]).some(
    (statement) =>
      ((statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') && statement.id?.name === name) ||
      (statement.type === 'VariableDeclaration' && statement.declarations.some((declarator: AnyNode) => patternNames(declarator.id).includes(name))),
  );
}

function planFast(program: AnyNode): FastPlan | null {
  const declared = declaredNames(program);
  for (const name of declared) if (RUNNER_GLOBALS.has(name) || FAST_GLOBALS.has(name)) return null;
  const plan: FastPlan = { request: false, response: false, scopes: false };
  let fast = true;
  const refuse = () => {
    fast = false;
  };
  // Every node whose parent matters: `pm` only as `pm.<FAST_PM>`, pm.expect and pm.test only called.
  ancestor(program as Node, {
    Identifier(node: AnyNode, _state: unknown, ancestors: AnyNode[]) {
      if (!declared.has(node.name) && !FAST_GLOBALS.has(node.name)) return refuse();
      if (SANDBOX_GLOBALS.has(node.name) && !ancestors.slice(0, -1).some((scope) => declares(scope, node.name))) return refuse();
      if (node.name !== 'pm' || declared.has('pm')) return;
      const parent = ancestors[ancestors.length - 2];
      if (parent?.type !== 'MemberExpression' || parent.object !== node || parent.computed) return refuse();
      const member = propertyName(parent) ?? '';
      if (!FAST_PM.has(member)) return refuse();
      if (member === 'request') plan.request = true;
      if (SCOPE_NAMES.has(member)) plan.scopes = true;
      if (member === 'response' && !readsResponse(ancestors.slice(0, -1))) plan.response = true;
      if (member === 'expect' || member === 'test') {
        const grand = ancestors[ancestors.length - 3];
        const called = grand?.type === 'CallExpression' && grand.callee === parent;
        const skipped = member === 'test' && grand?.type === 'MemberExpression' && grand.object === parent && propertyName(grand) === 'skip';
        if (!called && !skipped) return refuse();
        // A pm.test callback taking `done`, async or a generator makes the test asynchronous.
        const call = called ? grand : ancestors[ancestors.length - 4];
        if (member === 'test' && call?.type === 'CallExpression') {
          for (const argument of call.arguments as AnyNode[]) {
            if ((argument.type === 'FunctionExpression' || argument.type === 'ArrowFunctionExpression') && (argument.params.length > 0 || argument.async || argument.generator)) refuse();
          }
        }
      }
    },
    MemberExpression(node: AnyNode) {
      // `obj[key]` with a computed key could name anything; literal keys are checked by name.
      if (node.computed && node.property.type !== 'Literal') refuse();
    },
    Function(node: AnyNode) {
      if (node.async || node.generator) refuse();
    },
  } as never);
  if (!fast) return null;
  ancestor(program as Node, Object.fromEntries([...NOT_FAST].map((type) => [type, refuse])) as never);
  return fast ? plan : null;
}
