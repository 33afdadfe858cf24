// "Did you mean": suggestions for a name that matches nothing.
import { closeMatches } from '../../src/core/did-you-mean.js';

it('closeMatches suggests by edit distance first, then containment', () => {
  expect(closeMatches('folder', ['collection', 'folders', 'environment'])).toEqual(['folders']);
  expect(closeMatches('create tags', ['Tags', 'create tag', 'delete'])[0]).toBe('create tag');
  expect(closeMatches('zzz', ['alpha', 'beta'])).toEqual([]);
});
