// Lane planning (parallel runs split by top-level folder or by iteration, by item id) and CI shards
// (every request exactly once across n shards, the same plan on every machine).
import fc from 'fast-check';
import { type RunInput } from '../../../src/core/runs/run-input.js';
import { withItemIds } from '../../../src/core/collection/selection.js';
import { planLanes, planShard } from '../../../src/core/runs/lanes.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';
import { findItems } from '../../../src/core/sources/outline.js';
import { folder, request } from '../../support/collections.js';

const input = (item: unknown[], extra: Partial<RunInput> = {}): RunInput => ({ ...DEFAULT_RUN_OPTIONS, collection: { info: { name: 'C' }, item }, source: { kind: 'local', ref: 'c' }, root: '/', ...extra });

describe('planLanes', () => {
  it('one lane when parallel is 1 or nothing can be split: the input itself, from its first iteration', () => {
    const [only] = planLanes(input([folder('A', 2), folder('B', 2)]), 1);
    expect(planLanes(input([folder('A', 2), folder('B', 2)]), 1)).toHaveLength(1);
    expect(only.iterationOffset).toBe(0);
    expect(only.input.folders).toBeUndefined();
    expect(only.input.collection.item).toHaveLength(2);
    expect(planLanes(input([request('a'), request('b')]), 4)).toHaveLength(1);
    expect(planLanes(input([request('a')], { iterations: 1 }), 4)).toHaveLength(1);
  });
  it('two iterations make two lanes; without data the lanes carry none', () => {
    const lanes = planLanes(input([request('a')], { iterations: 2 }), 4);
    expect(lanes.map((lane) => [lane.iterationOffset, lane.input.iterations, lane.input.data])).toEqual([
      [0, 1, undefined],
      [1, 1, undefined],
    ]);
  });
  it('a selection of folders is what gets split', () => {
    const lanes = planLanes(input([folder('A', 1), folder('B', 1), folder('C', 1)], { folders: ['A', 'C'] }), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0'], ['pp-2']]);
  });
  it('splits top-level folders into contiguous lanes of similar size, by id', () => {
    const lanes = planLanes(input([folder('A', 4), folder('B', 1), folder('C', 1), folder('D', 4)]), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0', 'pp-1'], ['pp-2', 'pp-3']]);
  });
  it('two folders of the same name are two lanes, each addressed by its own id', () => {
    const lanes = planLanes(input([folder('Tags', 1), folder('Tags', 1)]), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0'], ['pp-1']]);
  });
  it('splits iterations with their data rows and offsets when there are no folders', () => {
    const lanes = planLanes(input([request('a')], { iterations: 5, data: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }] }), 2);
    expect(lanes.map((lane) => [lane.iterationOffset, lane.input.iterations, lane.input.data?.map((row) => row.n)])).toEqual([
      [0, 3, [1, 2, 3]],
      [3, 2, [4, 5]],
    ]);
  });
});

describe('planShard (CI shards)', () => {
  // A collection: top-level requests and folders (one level of subfolders), each request named uniquely.
  const tree = fc
    .array(fc.oneof(fc.constant(0), fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 8 })
    .map((shape) => {
      let n = 0;
      const request = () => ({ name: `r${(n += 1)}`, request: { method: 'GET', url: 'http://x' } });
      const item = shape.map((entry, f) =>
        entry === 0 ? request() : { name: `F${f}`, item: entry.map((child, c) => (child === 0 ? request() : { name: `F${f}.${c}`, item: Array.from({ length: child }, request) })) },
      );
      return withItemIds({ info: { name: 'C', schema: 'x' }, item } as never);
    });
  const leaves = (items: unknown[]): string[] => items.flatMap((item) => { const it = item as { name: string; item?: unknown[] }; return it.item ? leaves(it.item) : [it.name]; });

  it('n shards run every request exactly once, whatever the tree; the shares differ by at most the largest item', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 6 }), (collection, n) => {
        const shares = Array.from({ length: n }, (_, i) => planShard(collection, undefined, i + 1, n));
        const ran = shares.flatMap((share) => leaves(findItems(collection, share.refs).map((found) => found.item)));
        expect(ran.sort()).toEqual(leaves(collection.item).sort());
        expect(shares.every((share) => share.total === ran.length)).toBe(true);
        const sizes = shares.map((share) => share.requests);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(ran.length);
        // Once opened as far as it goes, the largest dealt item bounds the imbalance.
        const biggest = Math.max(...shares.flatMap((share) => findItems(collection, share.refs).map((found) => leaves([found.item]).length)), 0);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(biggest);
      }),
      { numRuns: 200 },
    );
  });

  it('every machine computes the same plan', () => {
    fc.assert(fc.property(tree, fc.integer({ min: 1, max: 6 }), (collection, n) => {
      expect(planShard(collection, undefined, n, n)).toEqual(planShard(structuredClone(collection), undefined, n, n));
    }), { numRuns: 100 });
  });
});
