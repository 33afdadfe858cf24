// The pure pieces of configuration, tested directly: what a reference is, and which shape a file is.
import { classifyReference, detectShape } from '../../src/core/config.js';
import { parseJsonText } from '../../src/core/json-text.js';

describe('classifyReference', () => {
  it.each([
    ['12345678-1f0df51a-8658-4ee8-a2a1-d2567dfa09a9', 'uid'],
    ['1f0df51a-8658-4ee8-a2a1-d2567dfa09a9', 'id'],
    ['1F0DF51A-8658-4EE8-A2A1-D2567DFA09A9', 'id'],
    ['postman/collections/api.json', 'path'],
    ['api.postman_collection.json', 'path'],
    ['env.yaml', 'path'],
    ['./api', 'path'],
    ['..\\api', 'path'],
    ['My API', 'name'],
    ['Todo API v2', 'name'],
    ['12345678-not-a-uuid', 'name'],
  ])('%s → %s', (ref, kind) => {
    expect(classifyReference(ref)).toBe(kind);
  });
});

describe('detectShape', () => {
  it.each([
    [{ workspace_id: 'x', collection_id: 'y' }, 'snake_case'],
    [{ workspaceId: 'x', baseUrl: 'y' }, 'kiro_flat'],
    [{ version: '0.1', workspaceId: 'x', collectionUid: 'y' }, 'kiro_flat'],
    [{ version: '0.1', project: {} }, 'kiro_nested'],
    [{ default: {}, collections: {} }, 'kiro_nested'],
    [{ collection_id: 'a', baseUrl: 'b' }, 'kiro_flat'],
    [{ collection_id: 'a', base_url: 'b', baseUrl: 'c' }, 'snake_case'],
    [{}, 'kiro_flat'],
    [{ health: {}, run: {} }, 'kiro_flat'],
  ])('%j → %s', (raw, shape) => {
    expect(detectShape(raw)).toBe(shape);
  });
});

describe('parseJsonText', () => {
  it('parses strict JSON, a BOM dropped; "__proto__" is an own key, never a prototype', () => {
    const parsed = parseJsonText('\ufeff{"a": [1, {"b": null}], "__proto__": {"polluted": true}}');
    expect(parsed.ok).toBe(true);
    const value = (parsed as { value: Record<string, unknown> }).value;
    expect(value.a).toEqual([1, { b: null }]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['a', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it.each([
    ['{"a": 1,}', 1, 9],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{"a": 1} // note', 1, 10],
    ['', 1, 1],
  ])('says where %j broke', (text, line, column) => {
    const parsed = parseJsonText(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? undefined : { line: parsed.error.line, column: parsed.error.column }).toEqual({ line, column });
  });
});
