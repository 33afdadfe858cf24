// Mixed shapes never lose a field: a file that mixes the three shapes' spellings (Kiro's steering
// writes `version` beside flat camelCase keys; people add `collection_id` to a flat file or
// `baseUrl` beside a nested `project`) keeps every known field it gives, with a warning that says
// which spelling was read as what, or fails with config_invalid naming the keys that disagree.
import fc from 'fast-check';
import { buildConfig, detectShape, normaliseFile } from '../../src/core/config.js';
import { isPowerError, type FieldIssue } from '../../src/core/errors.js';

const FILE = '/workspace/.postman.json';
const uuid = fc.uuid();
const uid = fc.tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.uuid()).map(([owner, id]) => `${owner}-${id}`);
const localPath = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/).map((stem) => `postman/${stem}.postman_collection.json`);
const reference = fc.oneof(uid, uuid, localPath);
const baseUrl = fc.integer({ min: 1024, max: 65535 }).map((port) => `http://localhost:${port}`);

const SPELLINGS = {
  workspaceId: ['workspace_id', 'workspaceId'],
  collection: ['collection_id', 'collectionUid', 'collectionId', 'collection'],
  environment: ['environment_id', 'environmentUid', 'environmentId', 'environment'],
  baseUrl: ['base_url', 'baseUrl'],
} as const;
type Field = keyof typeof SPELLINGS;

/** A file with each field absent or given once under any shape's spelling, plus Kiro's extras. */
const mixed = fc
  .record(
    {
      values: fc.record({ workspaceId: uuid, collection: reference, environment: reference, baseUrl }, { requiredKeys: [] }),
      spellingChoice: fc.record({ workspaceId: fc.nat(), collection: fc.nat(), environment: fc.nat(), baseUrl: fc.nat() }),
      version: fc.boolean(),
      testResults: fc.boolean(),
      nestedProject: fc.boolean(),
    },
  )
  .map(({ values, spellingChoice, version, testResults, nestedProject }) => {
    const raw: Record<string, unknown> = {};
    const given: Partial<Record<Field, string>> = {};
    for (const [field, value] of Object.entries(values) as Array<[Field, string]>) {
      const spellings = SPELLINGS[field];
      raw[spellings[spellingChoice[field] % spellings.length]] = value;
      given[field] = value;
    }
    // The nested shape requires its version; beside flat keys it is optional.
    if (version || nestedProject) raw.version = '0.1';
    if (testResults) raw.testResults = { passed: 3, failed: 0 };
    if (nestedProject) raw.project = { name: 'Shop' };
    return { raw, given };
  });

it('generated mixed-shape files keep every field they give (≥ 200 cases)', () => {
  fc.assert(
    fc.property(mixed, ({ raw, given }) => {
      const { shape, fields } = normaliseFile(raw, FILE);
      const { config, warnings } = buildConfig(fields, {}, '/workspace', FILE, shape);
      for (const [field, value] of Object.entries(given) as Array<[Field, string]>) {
        const actual = config[field];
        expect(actual).toBe(field === 'baseUrl' ? value.replace(/\/+$/, '') : value);
      }
      // Whatever was read from another shape's spelling is said.
      const foreign = Object.keys(raw).filter((key) => !['version', 'testResults', 'project'].includes(key));
      if (shape === 'kiro_nested' && foreign.length) expect(warnings.join('\n')).toMatch(/was read as/);
      expect(config.extra).toEqual(raw.testResults ? { testResults: raw.testResults } : {});
    }),
    { numRuns: 200 },
  );
});

describe('examples', () => {
  it("Kiro's steering: version beside flat keys is the flat shape, every field kept, no warnings", () => {
    const raw = { version: '0.1', workspaceId: '1f0df51a-8658-4ee8-a2a1-d2567dfa09a9', collectionUid: '123-1f0df51a-8658-4ee8-a2a1-d2567dfa09a9', environmentUid: '123-2f0df51a-8658-4ee8-a2a1-d2567dfa09a9', baseUrl: 'http://localhost:4000', testResults: { ok: true } };
    expect(detectShape(raw)).toBe('kiro_flat');
    const { shape, fields } = normaliseFile(raw, FILE);
    const { config, warnings } = buildConfig(fields, {}, '/w', FILE, shape);
    expect(config).toMatchObject({ workspaceId: raw.workspaceId, collection: raw.collectionUid, environment: raw.environmentUid, baseUrl: raw.baseUrl });
    expect(warnings).toEqual([]);
  });

  it('{collection_id, baseUrl}: collection_id is read (with a warning), not dropped', () => {
    const { shape, fields } = normaliseFile({ collection_id: 'postman/c.json', baseUrl: 'http://localhost:3000' }, FILE);
    const { config, warnings } = buildConfig(fields, {}, '/w', FILE, shape);
    expect(config.collection).toBe('postman/c.json');
    expect(warnings.join('\n')).toMatch(/"collection_id" \(the snake_case spelling\) was read as collection/);
  });

  it('two spellings that disagree fail with config_invalid naming the key', () => {
    try {
      normaliseFile({ collection: 'postman/a.json', collection_id: 'postman/b.json', baseUrl: 'http://localhost:3000' }, FILE);
      throw new Error('expected config_invalid');
    } catch (error) {
      expect(isPowerError(error) && error.code).toBe('config_invalid');
      const issues = (error as { details: { issues: FieldIssue[] } }).details.issues;
      expect(issues.map((issue) => issue.path)).toEqual(['collection_id']);
    }
  });

  it('a nested file with a top-level baseUrl keeps it when project.baseUrl is absent', () => {
    const raw = { version: '0.1', project: { name: 'Shop' }, baseUrl: 'http://localhost:5000' };
    const { shape, fields } = normaliseFile(raw, FILE);
    expect(shape).toBe('kiro_nested');
    expect(buildConfig(fields, {}, '/w', FILE, shape).config.baseUrl).toBe('http://localhost:5000');
  });
});
