// The isolated script executor. Every collection script runs in a V8 context of its own whose every
// reachable object was created inside it: postman-sandbox's own code (its browser build, which
// bundles everything it offers scripts — pm, chai, lodash, the legacy globals, `require` of its
// modules, cookies, vault) is evaluated there, as it is in a Web Worker. Between the context and the
// runner only strings cross: the host calls one fixed script with a string in a global, and reads a
// string back. No host function, object, getter, callback or toJSON ever enters the context; the
// host never reads a property of a context object (a returned value that is not a string is
// dropped). Timers, the one thing the context cannot do alone, are asked for as data and fired by
// the host with another call.
//
// To postman-sandbox (through uvm) a context is a "worker": ContextWorker implements the few methods
// uvm's bridge uses of a worker_threads Worker (postMessage, on, off, terminate) and supplies the
// firmware hooks uvm builds its boot code from, so postman-sandbox's host side runs unchanged.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { types } from 'node:util';
import vm from 'node:vm';
import { engineModules } from './engine-modules.js';

/** The globals of a fresh context that the runner uses: both data properties, both non-configurable. */
const INPUT = '__pp_in';
const RECEIVE = '__pp_receive';

/**
 * The context's side of the channel, evaluated first in every context. It keeps references to the
 * intrinsics it uses (scripts may replace the global ones later), takes its input from INPUT and
 * clears it before anything else runs, and answers only a message that starts with this boot's
 * nonce: a script that calls RECEIVE itself is ignored. Entropy for crypto.getRandomValues comes
 * from the host with every message (the pool is topped up when low); a script that drains it
 * within one call gets bytes from a xorshift generator seeded from the pool.
 */
const CONTEXT_BOOTSTRAP = String.raw`(function (global, nonce, entropy) {
  'use strict';
  const define = Object.defineProperty, stringify = JSON.stringify, parse = JSON.parse;
  const call = Function.prototype.call;
  const slice = call.bind(String.prototype.slice), indexOf = call.bind(String.prototype.indexOf);
  const push = call.bind(Array.prototype.push), apply = call.bind(Function.prototype.apply);
  const parseIntHex = (text) => parseInt(text, 16), Uint8 = Uint8Array, ErrorCtor = Error;
  const outbox = [], handlers = [], timers = new Map();
  let pool = entropy, poolAt = 0, nextTimer = 1, seed = 0x9e3779b9;
  const port = {
    postMessage(message) {
      push(outbox, ['m', '' + (message && message.__id_uvm), '' + (message && message.__emit_uvm)]);
    },
    on(name, handler) { if (name === 'message' && typeof handler === 'function') push(handlers, handler); },
    off() {},
    onUncaught: null,
  };
  const fail = (error) => {
    if (typeof port.onUncaught === 'function') {
      try { if (port.onUncaught(error)) return; } catch (_) {}
    }
    let text = 'Uncaught exception';
    try { text = '' + (error && error.message !== undefined ? error.message : error); } catch (_) {}
    push(outbox, ['e', text]);
  };
  // An immediate is asked for with delay -1: it runs before the timers set with it, as in Node.
  const schedule = (repeat, immediate) => function (callback, ms) {
    const args = [];
    for (let i = 2; i < arguments.length; i++) push(args, arguments[i]);
    const id = nextTimer++;
    const delay = immediate ? -1 : +ms > 0 ? +ms : 0;
    timers.set(id, { callback, args, repeat, delay });
    push(outbox, ['t', id, delay]);
    return id;
  };
  const cancel = (id) => {
    if (timers.delete(+id)) push(outbox, ['c', +id]);
  };
  const fire = (id) => {
    const timer = timers.get(id);
    if (!timer) return;
    if (timer.repeat) push(outbox, ['t', id, timer.delay]);
    else timers.delete(id);
    if (typeof timer.callback === 'function') apply(timer.callback, undefined, timer.args);
  };
  const randomByte = () => {
    if (poolAt + 2 <= pool.length) {
      const byte = parseIntHex(slice(pool, poolAt, poolAt + 2));
      poolAt += 2;
      seed = (seed ^ (byte << ((poolAt >> 1) % 24))) >>> 0 || 0x9e3779b9;
      return byte;
    }
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed & 0xff;
  };
  const crypto = {
    getRandomValues(array) {
      if (!array || typeof array.length !== 'number' || array.byteLength > 65536) throw new ErrorCtor('getRandomValues: expects an integer typed array of at most 65536 bytes');
      const bytes = new Uint8(array.buffer, array.byteOffset, array.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = randomByte();
      return array;
    },
  };
  const receive = function () {
    const input = global.${INPUT};
    global.${INPUT} = '';
    if (typeof input !== 'string' || slice(input, 0, nonce.length) !== nonce) return '';
    let at = nonce.length;
    const kind = slice(input, at, at + 1);
    const cut = indexOf(input, '\u0000', at + 1);
    const fresh = slice(input, at + 1, cut);
    if (fresh) { pool = slice(pool, poolAt) + fresh; poolAt = 0; }
    const body = slice(input, cut + 1);
    try {
      if (kind === 'm') {
        const split = indexOf(body, '\u0000');
        const message = { __id_uvm: slice(body, 0, split), __emit_uvm: slice(body, split + 1) };
        for (let i = 0; i < handlers.length; i++) handlers[i](message);
      } else if (kind === 't') fire(+body);
    } catch (error) {
      fail(error);
    }
    const out = stringify([pool.length - poolAt < 4096 ? 1 : 0, outbox]);
    outbox.length = 0;
    return out;
  };
  define(global, '${RECEIVE}', { value: receive, writable: false, enumerable: false, configurable: false });
  define(global, '${INPUT}', { value: '', writable: true, enumerable: false, configurable: false });
  // Configurable, so postman-sandbox's boot removes what its scripts must not see.
  define(global, '__pp_port', { value: port, writable: true, enumerable: false, configurable: true });
  const timerApi = {
    setTimeout: schedule(false, false), setInterval: schedule(true, false), setImmediate: (callback, ...args) => schedule(false, true)(callback, 0, ...args),
    clearTimeout: cancel, clearInterval: cancel, clearImmediate: cancel,
  };
  for (const name in timerApi) define(global, name, { value: timerApi[name], writable: true, enumerable: false, configurable: true });
  define(global, 'crypto', { value: crypto, writable: true, enumerable: false, configurable: true });
  define(global, 'self', { value: global, writable: true, enumerable: false, configurable: true });
  // What the browser build's Buffer takes from a Web Worker's globals: base64 and Blob/File.
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const charAt = call.bind(String.prototype.charAt), charCode = call.bind(String.prototype.charCodeAt), fromCode = String.fromCharCode;
  const btoa = (input) => {
    const text = '' + input;
    let out = '';
    for (let i = 0; i < text.length; i += 3) {
      const a = charCode(text, i), b = charCode(text, i + 1), c = charCode(text, i + 2);
      if (a > 255 || b > 255 || c > 255) throw new ErrorCtor('Invalid character');
      const n = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += charAt(B64, n >> 18) + charAt(B64, (n >> 12) & 63) + (i + 1 < text.length ? charAt(B64, (n >> 6) & 63) : '=') + (i + 2 < text.length ? charAt(B64, n & 63) : '=');
    }
    return out;
  };
  const atob = (input) => {
    let text = '';
    for (const ch of '' + input) if (ch !== ' ' && ch !== '\n' && ch !== '\t' && ch !== '\r' && ch !== '\f') text += ch;
    while (text.length % 4 === 0 && text.length && charAt(text, text.length - 1) === '=') text = slice(text, 0, -1);
    if (text.length % 4 === 1) throw new ErrorCtor('The string to be decoded is not correctly encoded.');
    let out = '', bits = 0, value = 0;
    for (let i = 0; i < text.length; i++) {
      const n = indexOf(B64, charAt(text, i));
      if (n < 0) throw new ErrorCtor('The string to be decoded is not correctly encoded.');
      value = (value << 6) | n; bits += 6;
      if (bits >= 8) { bits -= 8; out += fromCode((value >> bits) & 255); }
    }
    return out;
  };
  const utf8 = (text) => {
    const bytes = unescape(encodeURIComponent(text)), out = new Uint8(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = charCode(bytes, i);
    return out;
  };
  class Blob {
    constructor(parts, options) {
      const chunks = [];
      let size = 0;
      for (const part of parts || []) {
        const bytes = part instanceof ArrayBuffer ? new Uint8(part) : ArrayBuffer.isView(part) ? new Uint8(part.buffer, part.byteOffset, part.byteLength) : part instanceof Blob ? part._bytes : utf8('' + part);
        push(chunks, bytes); size += bytes.length;
      }
      const all = new Uint8(size);
      let at = 0;
      for (const bytes of chunks) { all.set(bytes, at); at += bytes.length; }
      define(this, '_bytes', { value: all });
      this.type = options && options.type ? ('' + options.type).toLowerCase() : '';
    }
    get size() { return this._bytes.length; }
    arrayBuffer() { return Promise.resolve(this._bytes.slice().buffer); }
    text() { let s = ''; for (let i = 0; i < this._bytes.length; i++) s += fromCode(this._bytes[i]); return Promise.resolve(decodeURIComponent(escape(s))); }
    slice(start, end, type) { return new Blob([this._bytes.slice(start, end)], { type }); }
  }
  class File extends Blob {
    constructor(parts, name, options) { super(parts, options); this.name = '' + name; this.lastModified = options && options.lastModified !== undefined ? +options.lastModified : Date.now(); }
  }
  const webApi = { atob, btoa, Blob, File };
  for (const name in webApi) define(global, name, { value: webApi[name], writable: true, enumerable: false, configurable: true });
  // The stack-trace API hands out call sites; in a context entered from the host those could name
  // host functions. Errors here format their stack as text only: postman-sandbox's boot replaces
  // this formatter by its own (also text only) and locks it; the runner then locks whichever is
  // there (LOCK_STACK_TRACES) before any script runs.
  define(ErrorCtor, 'prepareStackTrace', {
    value: (error, frames) => {
      let text = 'Error: ' + (error && error.message);
      for (let i = 0; i < frames.length; i++) text += '\n    at ' + frames[i];
      return text;
    },
    writable: false, enumerable: false, configurable: true,
  });
  // Node asks the error's realm for globalThis.Error.prepareStackTrace: that binding is fixed too.
  define(global, 'Error', { value: ErrorCtor, writable: false, enumerable: false, configurable: false });
})`;

/** The firmware hooks uvm reads off its worker class (uvm/lib/bridge.js), for a context. */
export const FIRMWARE = {
  /** uvm's firmware posts through `__self`: the port the bootstrap made. */
  self: '__pp_port',
  /**
   * Where uvm's firmware runs the boot code it was given: a marker. The firmware is run in two parts
   * around it (splitFirmware) and the boot code between them, from a script compiled once per process.
   */
  bootCodeExecutor: () => '__pp_boot()',
  /** Reports a script's uncaught exception to the sandbox's listeners, as uvm's worker does. */
  exceptionHandler: `self.onUncaught = function (error) {
    if (bridge.listeners('uncaughtException').length) { bridge.emit('uncaughtException', error); return true; }
    return false;
  };`,
};

/**
 * uvm's firmware (uvm/lib/bridge.js) as two scripts, before and after the statement that runs the
 * boot code, or undefined when uvm no longer writes it as this expects. The boot code then runs from
 * a vm.Script compiled once per process (with a code cache) instead of an eval of 2 MB in every
 * context; a boot code that throws fails the boot (uvm's firmware would throw it later, asynchronously).
 */
export function splitFirmware(firmware: string): [string, string] | undefined {
  const call = /__uvm_setTimeout = setTimeout;\s*try \{\s*__pp_boot\(\);\s*\} catch \(error\) \{\s*__uvm_setTimeout\(\(\) => \{ throw error; \}, 0\);\s*\}/.exec(firmware);
  if (!call || firmware.indexOf('__pp_boot()', call.index + call[0].length) >= 0) return undefined;
  return [`${firmware.slice(0, call.index)}__uvm_setTimeout = setTimeout;`, firmware.slice(call.index + call[0].length)];
}

/** What the host keeps of a context: the contextified object, the context and this boot's nonce. */
interface Channel {
  sandbox: Record<string, unknown>;
  context: vm.Context;
  nonce: string;
}

/**
 * uvm's serialiser: flatted (JSON with references, `[[refs], "name", "arg", …]`), or with the engine
 * patch for its bridge plain JSON prefixed J (`J["name", "arg", …]`) unless the message had a cycle.
 */
const flatted = engineModules.flatted();

/**
 * The id in a bridge message named `prefix` + id (or `prefix`, then the id as its first argument),
 * read off the message's first strings without parsing the rest.
 */
function flattedName(message: string, prefix: string): string | undefined {
  const head = /^(?:J\[|\[\[[^\]]*\],)"((?:[^"\\]|\\.)*)"(?:,"((?:[^"\\]|\\.)*)")?/.exec(message.slice(0, 512));
  if (!head) return undefined;
  const name = JSON.parse(`"${head[1]}"`) as string;
  if (prefix.endsWith('.')) return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  return name === prefix && head[2] !== undefined ? (JSON.parse(`"${head[2]}"`) as string) : undefined;
}

/**
 * A string an error holds as its own data property. Node creates the watchdog's error in the
 * context's realm, where a script may have put getters on the prototypes: a thrown value is only
 * read through its own descriptors (no getter, proxy trap or toString of the context runs).
 */
function ownString(error: unknown, key: 'code' | 'message'): string | undefined {
  if (!types.isNativeError(error)) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(error, key)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** A bridge message as uvm's bridge reads it (see flatted above). */
const bridgeParse = (message: string): unknown => (message.startsWith('J') ? JSON.parse(message.slice(1)) : flatted.parse(message));

const RECEIVE_CALL = new vm.Script(`${RECEIVE}()`, { filename: 'postman-power:script-context' });
/**
 * Run once the boot code has run and before any script: the stack formatter stays the text-only one
 * the boot left (ours or postman-sandbox's), whatever a later upgrade of the boot code does.
 */
const LOCK_STACK_TRACES = new vm.Script(
  `(function () {
    // The boot removed globalThis: a sloppy function's this is the global.
    const global = (function () { return this; })();
    try { Object.defineProperty(Error, 'prepareStackTrace', { writable: false, configurable: false }); } catch (e) {}
    const own = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
    const binding = Object.getOwnPropertyDescriptor(global, 'Error');
    return own && typeof own.value === 'function' && !own.writable && !own.configurable && binding && !binding.writable && !binding.configurable ? 'locked' : 'open';
  })()`,
  { filename: 'postman-power:lock-stack-traces' },
);
/**
 * ECMAScript's global constructors and functions, bound as script-level constants in each context
 * before the boot code runs. In a vm context every lookup of a global goes through Node's
 * interceptor on the context's global object (≈ 140 ns, against ≈ 2 ns in the main realm), and
 * postman-sandbox's code looks up `Object`, `Array`, `Symbol`… several times per call: ≈ 8% of a
 * 1 000-request run. V8 finds a script's lexical bindings before the global object's properties, so
 * the boot code resolves these without the interceptor. Each holds the context's own builtin, the
 * value the global had when the boot began; scripts still get the global object's values (uniscope
 * passes each global as a parameter), so a script that replaces a builtin on the global changes what
 * it sees, not what the sandbox's own code uses. Only names the context has as configurable data
 * properties are bound (a lexical binding cannot shadow a fixed one, such as our locked Error).
 */
const CONTEXT_BUILTINS = [
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date', 'Promise', 'RegExp', 'JSON', 'Math', 'Intl', 'Reflect', 'Proxy',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics',
  'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'parseFloat', 'parseInt', 'isFinite', 'isNaN', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
];
const BINDABLE_BUILTINS = new vm.Script(
  `(function () {
    const global = (function () { return this; })();
    return ${JSON.stringify(CONTEXT_BUILTINS)}.filter((name) => {
      const own = Object.getOwnPropertyDescriptor(global, name);
      return own !== undefined && own.configurable && 'value' in own;
    }).join(',');
  })()`,
  { filename: 'postman-power:bindable-builtins' },
);
/** The binding script for each list of names a context could bind (one list, in practice). */
const bindBuiltinsScripts = new Map<string, vm.Script>();
function bindBuiltins(context: vm.Context): void {
  // Only our own names go into the source compiled here, whatever the context answered.
  const answer: unknown = BINDABLE_BUILTINS.runInContext(context);
  const names = (typeof answer === 'string' ? answer.split(',') : []).filter((name) => CONTEXT_BUILTINS.includes(name)).join(',');
  if (!names) return;
  let script = bindBuiltinsScripts.get(names);
  if (!script) {
    script = new vm.Script(`const {${names}} = (function () { return this; })();`, { filename: 'postman-power:builtins' });
    bindBuiltinsScripts.set(names, script);
  }
  script.runInContext(context);
}
const ENTROPY_BYTES = 4096;
const entropy = () => randomBytes(ENTROPY_BYTES).toString('hex');

export interface ContextWorkerOptions {
  /** postman-sandbox's browser boot code, compiled: run where uvm's firmware has the marker. */
  bootScript: vm.Script;
  /**
   * Ends one synchronous stretch of script work (a call into the context) after this many ms: a
   * loop that never ends is stopped there. Unset (no script timeout was set): no limit, the run's
   * own timeout ends the run.
   */
  timeoutMs?: () => number | undefined;
}

/**
 * A context, as uvm drives a worker. Messages uvm posts go in as strings; what the context posts,
 * the timers it asks for and its uncaught errors come back as strings and are re-emitted here.
 */
/** How much earlier than its timeout Node's watchdog thread may end a call. */
const WATCHDOG_SLACK_MS = 1;

export class ContextWorker extends EventEmitter {
  private channel?: Channel;
  /** The context's timers, by id: when each is due (ms, performance.now()). */
  private readonly timers = new Map<number, number>();
  /** The one host timer that wakes the context for its next due timer. */
  private wake?: NodeJS.Timeout | NodeJS.Immediate;
  /** Executions sent and not answered: their id, uvm's id and the message (for its cursor). */
  private readonly running = new Map<string, { uvm: string; message: string }>();
  private refill = true;
  private terminated = false;

  constructor(
    firmware: string,
    private readonly options: ContextWorkerOptions,
  ) {
    super();
    this.setMaxListeners(0);
    // Booted here, so a failure is thrown to uvm, which calls back with it. uvm listens for 'message'
    // right after construction: what the boot posted is delivered once it has.
    this.boot(firmware);
    setImmediate(() => this.call('d', ''));
  }

  /** A fresh context: the bootstrap, then uvm's firmware with postman-sandbox's boot code inside. */
  private boot(firmware: string): void {
    try {
      const parts = splitFirmware(firmware);
      if (!parts) throw new Error('uvm\'s firmware no longer runs the boot code where postman-power puts it (uvm/lib/bridge.js changed)');
      const sandbox = Object.create(null) as Record<string, unknown>;
      const context = vm.createContext(sandbox, { name: 'postman-power script context', codeGeneration: { strings: true, wasm: false }, microtaskMode: 'afterEvaluate' });
      const nonce = randomBytes(16).toString('hex');
      // The bootstrap is a function of the context, called with primitives only.
      new vm.Script(`(${CONTEXT_BOOTSTRAP})(globalThis, ${JSON.stringify(nonce)}, ${JSON.stringify(entropy())})`, { filename: 'postman-power:context-bootstrap' }).runInContext(context);
      this.channel = { sandbox, context, nonce };
      this.refill = false;
      new vm.Script(parts[0], { filename: 'postman-power:firmware' }).runInContext(context);
      bindBuiltins(context);
      this.options.bootScript.runInContext(context);
      new vm.Script(parts[1], { filename: 'postman-power:firmware-end' }).runInContext(context);
      if (LOCK_STACK_TRACES.runInContext(context) !== 'locked') throw new Error('its stack-trace formatter could not be locked');
    } catch (error) {
      this.channel = undefined;
      this.terminated = true;
      const detail = ownString(error, 'message');
      throw new Error(`The script context did not boot${detail ? `: ${detail.slice(0, 300)}` : ''}.`);
    }
  }

  /** uvm's dispatch: a message for the context's bridge. */
  postMessage(message: { __id_uvm?: unknown; __emit_uvm?: unknown }): void {
    if (typeof message?.__emit_uvm !== 'string' || typeof message.__id_uvm !== 'string') return;
    const executing = flattedName(message.__emit_uvm, 'execute');
    if (executing !== undefined) this.running.set(executing, { uvm: message.__id_uvm, message: message.__emit_uvm });
    this.send('m', `${message.__id_uvm}\u0000${message.__emit_uvm}`);
  }

  /**
   * Ends every execution under way with `message`, as postman-sandbox reports a script error: the
   * error for the execution and for the run, then its result. Sent as if from the context.
   */
  private failRunning(message: string): void {
    const error = { type: 'Error', name: 'Error', message };
    for (const [id, { uvm, message: sent }] of [...this.running]) {
      this.running.delete(id);
      let cursor: unknown = {};
      try {
        cursor = (bridgeParse(sent) as [string, string, unknown, unknown, { cursor?: unknown }])[4]?.cursor ?? {};
      } catch {
        // The cursor only places the error; without it the error still ends the execution.
      }
      for (const args of [[`execution.error.${id}`, cursor, error], ['execution.error', cursor, error], [`execution.result.${id}`, error]]) {
        this.emit('message', { __id_uvm: uvm, __emit_uvm: flatted.stringify(args) });
      }
    }
  }

  /**
   * One call into the context, then one more for what its promises posted: a context's microtasks
   * run when a call into it returns (microtaskMode afterEvaluate), under the same watchdog, so
   * after the first call its async work has settled up to its next timer. `kind`: m a message,
   * t a timer firing.
   */
  private send(kind: 'm' | 't' | 'd', body: string): void {
    this.call(kind, body);
    if (kind !== 'd') this.call('d', '');
  }

  private call(kind: 'm' | 't' | 'd', body: string): void {
    const channel = this.channel;
    if (!channel || this.terminated) return;
    channel.sandbox[INPUT] = `${channel.nonce}${kind}${this.refill ? entropy() : ''}\u0000${body}`;
    let answer: unknown;
    // A call that only collects what the context posted runs no script: no watchdog (each one is a
    // thread of Node's, ~0.1 ms a call).
    const timeout = kind === 'd' ? undefined : this.options.timeoutMs?.();
    const started = performance.now();
    try {
      answer = RECEIVE_CALL.runInContext(channel.context, timeout ? { timeout } : {});
    } catch (error) {
      // A script can keep Node from giving the error its code (a setter-less `code` on a prototype),
      // but not V8 from giving it its own message; and a call that lasted its whole timeout was ended
      // by the watchdog either way (its thread may wake a hair early: a millisecond of slack).
      const timedOut =
        ownString(error, 'code') === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ||
        /^Script execution timed out after \d+ms$/.test(ownString(error, 'message') ?? '') ||
        (timeout !== undefined && performance.now() - started >= timeout - WATCHDOG_SLACK_MS);
      if (timedOut) {
        // The watchdog ended a script that did not stop. As newman's sandbox does, its execution
        // fails with a script error and the context serves the next ones.
        this.failRunning('sandbox: synchronous script execution timeout');
        return;
      }
      this.emit('error', new Error('The script context failed.'));
      this.terminate();
      return;
    }
    if (typeof answer !== 'string' || answer === '') return;
    this.deliver(answer);
  }

  /** Acts on a context's answer: [low on entropy, [[kind, ...data]]], parsed in this realm. */
  private deliver(answer: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch {
      return;
    }
    if (!Array.isArray(parsed) || !Array.isArray(parsed[1])) return;
    this.refill = parsed[0] === 1;
    // Every timer of one answer was set in the same call: one clock reading places them all, so the
    // host's own work between entries (a message's listeners) cannot put an immediate behind a
    // timeout set before it.
    const setAt = performance.now();
    for (const entry of parsed[1] as unknown[]) {
      if (this.terminated || !Array.isArray(entry)) return;
      const [kind, a, b] = entry as [unknown, unknown, unknown];
      if (kind === 'm' && typeof a === 'string' && typeof b === 'string') {
        const ended = flattedName(b, 'execution.result.');
        if (ended !== undefined) this.running.delete(ended);
        this.emit('message', { __id_uvm: a, __emit_uvm: b });
      }
      else if (kind === 't' && typeof a === 'number') this.startTimer(a, typeof b === 'number' ? b : 0, setAt);
      else if (kind === 'c' && typeof a === 'number') this.stopTimer(a);
      else if (kind === 'e') this.emit('error', new Error(`A script's uncaught exception: ${String(a).slice(0, 500)}`));
    }
  }

  /**
   * A timer the context asked for (delay -1: an immediate). Timers fire in the order Node would fire
   * them — by due time (a delay under 1 ms counts as 1, as in Node; an immediate is due at once), then
   * by the order they were set — but one that is due
   * first and asked for at most 1 ms does not wait for it: it is served with setImmediate (Node clamps
   * setTimeout(fn, 0) to 1 ms, which is most of a run's time in scripts with timers).
   */
  private startTimer(id: number, delay: number, setAt: number): void {
    this.timers.set(id, setAt + (delay < 0 ? 0 : Math.max(1, Math.min(delay, 2 ** 31 - 1))));
    this.schedule();
  }

  private stopTimer(id: number): void {
    if (this.timers.delete(id)) this.schedule();
  }

  /** The next timer due: the earliest, the first set among equals (ids grow). */
  private nextTimer(): [number, number] | undefined {
    let next: [number, number] | undefined;
    for (const [id, due] of this.timers) if (!next || due < next[1] || (due === next[1] && id < next[0])) next = [id, due];
    return next;
  }

  /** One host timer for the context's next due timer: at once when it is due within 1 ms. */
  private schedule(): void {
    this.clearWake();
    const next = this.nextTimer();
    if (!next || this.terminated) return;
    const wait = next[1] - performance.now();
    const fire = () => {
      this.wake = undefined;
      const due = this.nextTimer();
      if (!due) return;
      if (due[1] - performance.now() > 1) return this.schedule();
      this.timers.delete(due[0]);
      this.send('t', String(due[0]));
      this.schedule();
    };
    this.wake = wait <= 1 ? setImmediate(fire) : setTimeout(fire, Math.ceil(wait));
  }

  private clearWake(): void {
    const wake = this.wake;
    if (!wake) return;
    if ('_onImmediate' in wake) clearImmediate(wake as NodeJS.Immediate);
    else clearTimeout(wake as NodeJS.Timeout);
    this.wake = undefined;
  }

  /** Drops the context: its timers are cleared and nothing reaches it again. */
  terminate(): Promise<number> {
    if (!this.terminated) {
      this.terminated = true;
      this.timers.clear();
      this.clearWake();
      this.channel = undefined;
      setImmediate(() => this.emit('exit', 0));
    }
    return Promise.resolve(0);
  }
}

