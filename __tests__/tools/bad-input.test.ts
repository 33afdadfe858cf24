// The bad-input corpus (__tests__/fixtures/bad/cases.json): every broken config, collection,
// environment and data file gets a clear isError with its code (or, for broken scripts, a normal
// errored result naming the script error), and the server answers the next call.
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { collectionPath, createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';
import { tools } from '../../src/tools/index.js';

interface Case {
  file: string;
  kind: 'config' | 'collection' | 'run' | 'environment' | 'data';
  expect: { isError?: string; status?: string; failureKind?: string };
  note: string;
  args?: Record<string, unknown>;
}

const BAD = path.resolve('__tests__/fixtures/bad');
const cases = JSON.parse(readFileSync(path.join(BAD, 'cases.json'), 'utf8')) as Case[];

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await createRunWorkspace('Test_Task5_');
  cpSync(BAD, rw.ws.path('bad'), { recursive: true });
});
afterAll(() => rw.close());

function callFor(c: Case): [string, Record<string, unknown>] {
  const ref = `bad/${c.file}`;
  switch (c.kind) {
    case 'config':
    case 'collection':
      return ['get_collection', c.kind === 'collection' ? { collection: ref } : {}];
    case 'run':
      return ['run_collection', { collection: ref, ...c.args }];
    case 'environment':
      return ['get_environment', { environment: ref }];
    case 'data':
      return ['run_collection', { collection: collectionPath('iterations'), data: ref }];
  }
}

it('the corpus has at least 30 files', () => {
  expect(cases.length).toBeGreaterThanOrEqual(30);
});

it.each(cases.map((c) => [`${c.file} (${c.note})`, c] as const))('%s', async (_label, c) => {
  const original = readFileSync(rw.ws.path('.postman.json'));
  if (c.kind === 'config') writeFileSync(rw.ws.path('.postman.json'), readFileSync(path.join(BAD, c.file)));
  let pair: ConnectedPair | undefined;
  try {
    pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
    const [tool, args] = callFor(c);
    const result = await pair.call(tool, args);
    const text = textOf(result);
    if (c.expect.isError) {
      expect(result.isError).toBe(true);
      expect(text).toMatch(new RegExp(`^${c.expect.isError}: `));
      expect(text).toContain('Hint: ');
    } else {
      expect(result.isError).toBeFalsy();
      const summary = result.structuredContent as { status: string; failures: Array<{ kind: string; message: string }> };
      expect(summary.status).toBe(c.expect.status);
      expect(summary.failures.map((f) => f.kind)).toContain(c.expect.failureKind);
    }
    // The server answers the next call.
    expect((await pair.client.listTools()).tools).toHaveLength(tools.length);
    expect((await pair.call('check_backend_health', { url: rw.backend.url, attempts: 1 })).isError).toBeFalsy();
  } finally {
    await pair?.close();
    writeFileSync(rw.ws.path('.postman.json'), original);
  }
});

it('a collection over 50 MB is refused before it is read', async () => {
  const file = rw.ws.write('bad/huge.postman_collection.json', '{}');
  truncateSync(file, 51 * 1024 * 1024);
  const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
  try {
    const text = textOf(await pair.call('get_collection', { collection: 'bad/huge.postman_collection.json' }));
    expect(text).toMatch(/^file_unreadable: .*51 MB; the limit is 50 MB/);
  } finally {
    await pair.close();
  }
});

it('data files outside the workspace are refused: .., absolute, symlink', async () => {
  const outside = (await import('../support/temp-workspace.js')).createTempWorkspace('Test_Task5_');
  try {
    const target = outside.write('users.csv', 'name,expected\nAda,201\n');
    rw.ws.symlink(target, 'data/link.csv');
    const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
    try {
      for (const data of [path.relative(rw.ws.dir, target), target, 'data/link.csv']) {
        const text = textOf(await pair.call('run_collection', { collection: collectionPath('iterations'), data }));
        expect(text).toMatch(/^path_outside_workspace: /);
      }
    } finally {
      await pair.close();
    }
  } finally {
    outside.cleanup();
  }
});

it("an unknown tool is a protocol error that names no secret, even when the caller put one in the tool's name", async () => {
  const key = 'PMAK-0123456789abcdef0123456789abcdef-unknowntool';
  const pair = await connectPair({ env: { POSTMAN_API_KEY: key }, cwd: rw.ws.dir, watchConfig: false });
  try {
    const refused = await pair.client.callTool({ name: `run_${key}`, arguments: {} }).then(
      () => undefined,
      (error: Error & { code?: number }) => error,
    );
    expect(refused?.code).toBe(-32602);
    expect(refused?.message).toContain('Unknown tool');
    expect(refused?.message).not.toContain(key);
    // …and the server answers the next call.
    expect((await pair.client.listTools()).tools).toHaveLength(tools.length);
  } finally {
    await pair.close();
  }
});
