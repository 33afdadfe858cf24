// Plan task 2, property "Configuration Loading Completeness": any valid config in any of the three
// shapes, written to disk and loaded, yields a PostmanConfig holding every provided field; corrupting
// any one field makes loading fail naming exactly that field's path.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/core/config.js';
import { isPowerError, type FieldIssue } from '../../src/core/errors.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const RUNS = { numRuns: 120 };

const uuid = fc.uuid();
const uid = fc.tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.uuid()).map(([owner, id]) => `${owner}-${id}`);
const localPath = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/).map((stem) => `postman/collections/${stem}.postman_collection.json`);
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/);
const reference = fc.oneof(uid, uuid, localPath, name);
const apiKey = fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => `PMAK-${hex}-${hex.slice(0, 12)}`);
const baseUrl = fc.oneof(
  fc.integer({ min: 1024, max: 65535 }).map((port) => `http://localhost:${port}`),
  fc.stringMatching(/^[a-z]{3,10}$/).map((host) => `https://${host}.example.test/v1`),
);

/** What each field of the normalised config must hold, and the JSON path each came from. */
interface Expected {
  raw: Record<string, unknown>;
  fields: Partial<Record<'workspaceId' | 'collection' | 'environment' | 'apiKey' | 'baseUrl', { value: string; path: string[] }>>;
}

const snakeCase = fc
  .record(
    { workspace_id: uuid, collection_id: reference, environment_id: reference, api_key: apiKey, base_url: baseUrl },
    { requiredKeys: [] },
  )
  .map((raw): Expected => {
    const map = { workspace_id: 'workspaceId', collection_id: 'collection', environment_id: 'environment', api_key: 'apiKey', base_url: 'baseUrl' } as const;
    // A config with no snake keys at all is read as Kiro's flat shape; keep one so the shape is unambiguous.
    const withKey = Object.keys(raw).length ? raw : { base_url: 'http://localhost:3000' };
    return {
      raw: withKey,
      fields: Object.fromEntries(Object.entries(withKey).map(([key, value]) => [map[key as keyof typeof map], { value: value as string, path: [key] }])),
    };
  });

const kiroFlat = fc
  .record(
    {
      workspaceId: uuid,
      collection: fc.tuple(fc.constantFrom('collectionUid', 'collectionId'), reference),
      environment: fc.tuple(fc.constantFrom('environmentUid', 'environmentId'), reference),
      apiKey,
      baseUrl,
      testResults: fc.constant({ lastRun: '2026-01-01T00:00:00Z', passed: 3 }),
    },
    { requiredKeys: ['testResults'] },
  )
  .map((generated): Expected => {
    const raw: Record<string, unknown> = { testResults: generated.testResults };
    const fields: Expected['fields'] = {};
    for (const key of ['workspaceId', 'apiKey', 'baseUrl'] as const) {
      if (generated[key] !== undefined) {
        raw[key] = generated[key];
        fields[key] = { value: generated[key]!, path: [key] };
      }
    }
    for (const key of ['collection', 'environment'] as const) {
      const pair = generated[key];
      if (pair) {
        raw[pair[0]] = pair[1];
        fields[key] = { value: pair[1], path: [pair[0]] };
      }
    }
    return { raw, fields };
  });

const kiroNested = fc
  .record({ workspace: fc.option(uuid, { nil: undefined }), collection: fc.option(reference, { nil: undefined }), environment: fc.option(reference, { nil: undefined }), baseUrl: fc.option(baseUrl, { nil: undefined }), apiKey: fc.option(apiKey, { nil: undefined }), entryKey: fc.constantFrom('uid', 'id', 'path') })
  .map((g): Expected => {
    const raw: Record<string, unknown> = { version: '0.1', project: { name: 'demo', ...(g.baseUrl ? { baseUrl: g.baseUrl } : {}) }, default: {} };
    const fields: Expected['fields'] = {};
    const defaults = raw.default as Record<string, string>;
    if (g.workspace) {
      raw.workspaces = { main: { id: g.workspace, name: 'Main' } };
      defaults.workspace = 'main';
      fields.workspaceId = { value: g.workspace, path: ['workspaces', 'main', 'id'] };
    }
    for (const kind of ['collection', 'environment'] as const) {
      const ref = g[kind];
      if (!ref) continue;
      raw[`${kind}s`] = { primary: { [g.entryKey]: ref, name: 'Primary' } };
      defaults[kind] = 'primary';
      fields[kind] = { value: ref, path: [`${kind}s`, 'primary', g.entryKey] };
    }
    if (g.baseUrl) fields.baseUrl = { value: g.baseUrl, path: ['project', 'baseUrl'] };
    if (g.apiKey) {
      raw.apiKey = g.apiKey;
      fields.apiKey = { value: g.apiKey, path: ['apiKey'] };
    }
    return { raw, fields };
  });

function setAt(target: Record<string, unknown>, pathParts: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let node: Record<string, unknown> = copy;
  for (const part of pathParts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[pathParts[pathParts.length - 1]] = value;
  return copy;
}

describe('Configuration Loading Completeness (plan task 2)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace('Test_Task2_');
  });
  afterAll(() => ws.cleanup());

  const load = async (raw: Record<string, unknown>) => {
    writeFileSync(ws.path('.postman.json'), JSON.stringify(raw));
    return loadConfig({ env: {}, cwd: ws.dir });
  };

  for (const [shapeName, arbitrary, expectedShape] of [
    ['the plan\'s snake_case', snakeCase, 'snake_case'],
    ['Kiro\'s flat camelCase', kiroFlat, 'kiro_flat'],
    ['Kiro\'s nested version 0.1', kiroNested, 'kiro_nested'],
  ] as const) {
    it(`keeps every provided field of ${shapeName}`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async ({ raw, fields }) => {
          const { config } = await load(raw);
          expect(config.shape).toBe(expectedShape);
          for (const [field, { value }] of Object.entries(fields)) {
            expect(config[field as keyof typeof config]).toBe(value);
          }
          if (fields.apiKey) expect(config.apiKeySource).toBe('file');
          if (expectedShape === 'kiro_flat') expect(config.extra.testResults).toEqual(raw.testResults);
        }),
        RUNS,
      );
    });

    it(`names exactly the corrupted field's path in ${shapeName}`, async () => {
      const withField = arbitrary.filter(({ fields }) => Object.keys(fields).length > 0);
      await fc.assert(
        fc.asyncProperty(withField, fc.nat(), fc.constantFrom<unknown>(42, true, null, ['x'], { a: 1 }), async ({ raw, fields }, pick, badValue) => {
          const targets = Object.values(fields);
          const target = targets[pick % targets.length];
          const corrupted = setAt(raw, target.path, badValue);
          const error = await load(corrupted).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isPowerError(error)).toBe(true);
          if (!isPowerError(error)) return;
          expect(error.code).toBe('config_invalid');
          const paths = (error.details?.issues as FieldIssue[]).map((issue) => issue.path);
          expect(paths).toEqual([target.path.join('.')]);
        }),
        RUNS,
      );
    });
  }
});
