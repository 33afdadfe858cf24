// Item ids (missing and duplicate ones made positional) and selection by folder or request name.
import { withItemIds, selectItems } from '../../../src/core/collection/selection.js';
import { folder, request } from '../../support/collections.js';

describe('withItemIds and selectItems', () => {
  it('gives missing and duplicate ids a positional one and keeps unique ones', () => {
    const copy = withItemIds({ info: { name: 'C' }, item: [{ id: 'keep', ...folder('A', 1) }, { id: 'keep', ...request('b') }, request('c')] });
    expect((copy.item as Array<{ id: string; item?: Array<{ id: string }> }>).map((i) => i.id)).toEqual(['keep', 'pp-1', 'pp-2']);
    expect((copy.item[0] as { item: Array<{ id: string }> }).item[0].id).toBe('pp-0.0');
  });
  it('selects folders and requests, counts requests, refuses unknown names with close matches', () => {
    const collection = withItemIds({ info: { name: 'C' }, item: [folder('Users', 3), request('health')] });
    expect(selectItems(collection, ['health', 'Users'])).toEqual({ ids: ['pp-0', 'pp-1'], requests: 4 });
    expect(() => selectItems(collection, ['User'])).toThrow(/No folder or request "User"/);
  });
});
