// Which items of a collection a run runs: every item given an id of its own (once per run, by the
// client), the folders or requests asked for found by name, path or id (an unknown one lists close
// matches), and a collection with nothing to run refused.
import { PowerError } from '../errors.js';
import { findItems } from '../sources/outline.js';
import type { CollectionJson } from './json.js';
import { countRequests } from './items.js';

/** Whether every item (folders included) has a non-empty id no other item has. */
function hasItemIds(collection: CollectionJson): boolean {
  const seen = new Set<string>();
  const stack: unknown[][] = [collection.item];
  while (stack.length) {
    for (const raw of stack.pop()!) {
      const item = raw as { id?: unknown; item?: unknown[] } | null;
      if (!item || typeof item !== 'object') continue;
      if (typeof item.id !== 'string' || item.id === '' || seen.has(item.id)) return false;
      seen.add(item.id);
      if (Array.isArray(item.item)) stack.push(item.item);
    }
  }
  return true;
}

/**
 * The collection with every item given an id of its own: items without one, or sharing one, get
 * `pp-<position>` (e.g. `pp-1.0`) in a copy; a collection whose ids are already unique is returned
 * as it is (no copy: the client gives ids once, lanes and the run process find them there). Selection
 * and lanes address items by these ids, never by name, so two folders of the same name can never
 * stand in for each other.
 */
export function withItemIds(collection: CollectionJson): CollectionJson {
  if (hasItemIds(collection)) return collection;
  const copy = structuredClone(collection);
  const seen = new Set<string>();
  const stack: Array<{ items: unknown[]; position: string }> = [{ items: copy.item, position: '' }];
  while (stack.length) {
    const { items, position } = stack.pop()!;
    items.forEach((raw, index) => {
      if (!raw || typeof raw !== 'object') return;
      const item = raw as { id?: unknown; item?: unknown[] };
      const here = position ? `${position}.${index}` : String(index);
      if (typeof item.id !== 'string' || item.id === '' || seen.has(item.id)) item.id = `pp-${here}`;
      seen.add(item.id as string);
      if (Array.isArray(item.item)) stack.push({ items: item.item, position: here });
    });
  }
  return copy;
}

/** The items a run runs (by id; none named: all of them) and how many requests they hold. */
export interface Selection {
  ids: string[];
  requests: number;
}

/** Checks the selected folders or requests exist (an unknown one lists close matches) and counts their requests. */
export function selectItems(collection: CollectionJson, wanted: string[] | undefined): Selection {
  if (!wanted?.length) return { ids: [], requests: countRequests(collection.item) };
  const found = findItems(collection, wanted);
  return {
    // Ids are unique once withItemIds ran (every run path does); a name is only a last resort.
    ids: found.map((entry) => entry.item.id ?? entry.item.name ?? ''),
    requests: countRequests(found.map((entry) => entry.item)),
  };
}

/** Refuses a collection without a request to run. */
export function assertRunnable(collection: CollectionJson): void {
  if (countRequests(collection.item) === 0) {
    throw new PowerError('invalid_collection', `"${collection.info.name}" has no requests to run`, { hint: 'Add requests to the collection, or pick another one.' });
  }
}
