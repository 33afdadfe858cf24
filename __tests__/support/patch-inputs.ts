// Inputs for the equivalence tests of patched engine code (engine-patches.test.ts for the runner's
// copies, boot-code-patches.test.ts for the script context's): PropertyBase definitions and what
// lodash's `has` is asked, with the corner cases each patch has to keep.
import fc from 'fast-check';

/**
 * Everything about a PropertyBase's `_` a reader could tell apart: presence, prototype, keys in
 * order, descriptors. `objectPrototype` is the realm's own (a context's objects have another).
 */
export const metaShape = (made: { _?: object }, objectPrototype: object = Object.prototype) => {
  if (!Object.prototype.hasOwnProperty.call(made, '_')) return 'absent';
  const meta = made._ as Record<string, unknown>;
  const prototype = Object.getPrototypeOf(meta) as object | null;
  return { prototype: prototype === objectPrototype ? 'Object.prototype' : prototype, keys: Reflect.ownKeys(meta), descriptors: Object.getOwnPropertyDescriptors(meta) };
};

const META_KEYS = ['_', '__', '___', '_a', '__a', 'a', '_1', '__1', '1', '__proto__', '___proto__', '_constructor', 'constructor', 'prototype', '_prototype', '_length', 'length', '_info', 'info', '__parent', '_postman_id', '_ x.y', '_a[0]'];
const metaKey = fc.oneof(fc.constantFrom(...META_KEYS), fc.string({ maxLength: 6 }), fc.string({ maxLength: 5 }).map((rest) => `_${rest}`));
const metaValue = fc.oneof(fc.anything({ maxDepth: 1 }), fc.constant(undefined));
// Own keys set by defineProperty (so `__proto__` is an own key, as JSON.parse makes it), over a
// prototype with enumerable keys of its own, perhaps with symbols, perhaps wrapped in `info`.
const source = fc
  .record({
    own: fc.array(fc.tuple(metaKey, metaValue), { maxLength: 8 }),
    inherited: fc.array(fc.tuple(metaKey, metaValue), { maxLength: 3 }),
    symbols: fc.boolean(),
    array: fc.boolean(),
  })
  .map(({ own, inherited, symbols, array }) => {
    const proto = array ? Array.prototype : {};
    const base = inherited.length ? Object.create(array ? [] : {}) : undefined;
    for (const [name, item] of inherited) Object.defineProperty(base, name, { value: item, enumerable: true, configurable: true, writable: true });
    const target = array ? (base ? Object.setPrototypeOf([1, 2], base) : [1, 2]) : Object.create(base ?? proto);
    // (An array's own `length` cannot be redefined; a plain object's `length` makes it array-like to lodash.)
    for (const [name, item] of own) if (!(array && name === 'length')) Object.defineProperty(target, name, { value: item, enumerable: true, configurable: true, writable: true });
    if (symbols) target[Symbol('_hidden')] = 'symbol';
    return target;
  });
/** What a PropertyBase is built from: objects with meta keys, wrapped in `info` or not, and primitives. */
export const propertyDefinition = fc.oneof(
  { weight: 6, arbitrary: source },
  { weight: 2, arbitrary: source.map((info) => ({ info, _outer: 'ignored when info is set' })) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)) },
);

/** An arguments object (lodash tells them apart from other array-likes); only `arguments` makes one. */
// eslint-disable-next-line prefer-rest-params
export const argumentsOf = (...items: unknown[]) => (function (..._args: unknown[]) { return arguments; })(...items);
const HAS_KEYS = ['a', 'b', '0', '1', '2', '01', '-1', '1.5', '', 'length', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'a.b', 'a[0]', 'a[0].b', '[0]', 'a.b.c', 'x y', '_postman_propertyIndexKey', 'create', 'é'];
const hasKey = fc.oneof(fc.constantFrom(...HAS_KEYS), fc.string({ maxLength: 4 }));
/** A path `has` is asked for: a key, an array of keys, or something else. */
export const hasPath = fc.oneof({ weight: 6, arbitrary: hasKey }, { weight: 1, arbitrary: fc.array(hasKey, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constant(undefined), fc.constant(null)) });
const plain = fc.dictionary(hasKey, fc.oneof(fc.anything({ maxDepth: 0 }), fc.dictionary(hasKey, fc.integer(), { maxKeys: 3 })), { maxKeys: 6 });
/** What `has` is asked about: plain and inheriting objects, sparse arrays, arguments, primitives, a function. */
export const hasObject = fc.oneof(
  { weight: 4, arbitrary: plain },
  { weight: 1, arbitrary: plain.map((own) => Object.assign(Object.create({ inherited: 1, 'a.b': 2 }), own)) },
  { weight: 2, arbitrary: fc.sparseArray(fc.integer(), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.integer(), { maxLength: 4 }).map((items) => argumentsOf(...items)) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)) },
  { weight: 1, arbitrary: fc.constant(Object.assign(function named(_a: unknown, _b: unknown) {}, { create: 1, _postman_propertyIndexKey: 'key' })) },
);
