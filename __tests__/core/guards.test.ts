// Direct tests of the guards that keep the promises (the confined reader, the bounds, the JUnit
// builder, the redactor's edges), small and exact so that breaking any of them turns a test red
// (`npm run test:mutation` checks that they do).
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { assertJsonTextDepth, assertValueBounds, MAX_VALUE_DEPTH } from '../../src/core/bounds.js';
import { MASK, maskSecret, MIN_SECRET_LENGTH, SecretSet } from '../../src/core/redact.js';
import { junitReport } from '../../src/core/reports/reports.js';
import type { RequestRecord, RunSummary } from '../../src/core/results/summary.js';
import { confinedDirectory, decodeText, parseBoundedJson, readConfinedFile } from '../../src/core/files/workspace-files.js';
import { useWorkspaceAndOutside, type TempWorkspace } from '../support/temp-workspace.js';

let ws: TempWorkspace;
let outside: TempWorkspace;
useWorkspaceAndOutside('Test_Task5_', (workspace, other) => {
  ws = workspace;
  outside = other;
});

describe('the confined reader', () => {
  it('reads a regular file inside, with its real path', async () => {
    ws.write('a/b.txt', 'hello');
    const read = await readConfinedFile(ws.dir, 'a/b.txt');
    expect(read.text).toBe('hello');
    expect(read.file.endsWith('/a/b.txt')).toBe(true);
  });
  it('refuses .., absolute paths and symlinks that lead outside, and missing files', async () => {
    outside.write('s.txt', 'secret');
    symlinkSync(outside.path('s.txt'), ws.path('link.txt'));
    await expect(readConfinedFile(ws.dir, '../x')).rejects.toMatchObject({ code: 'path_outside_workspace' });
    await expect(readConfinedFile(ws.dir, outside.path('s.txt'))).rejects.toMatchObject({ code: 'path_outside_workspace' });
    await expect(readConfinedFile(ws.dir, 'link.txt')).rejects.toMatchObject({ code: 'path_outside_workspace' });
    await expect(readConfinedFile(ws.dir, 'nope.txt')).rejects.toMatchObject({ code: 'file_not_found' });
  });
  it('refuses a directory and a FIFO without waiting, and a file over the cap', async () => {
    ws.mkdir('dir');
    execFileSync('mkfifo', [ws.path('pipe')]);
    ws.write('big.txt', 'x'.repeat(2048));
    await expect(readConfinedFile(ws.dir, 'dir')).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('a directory') });
    await expect(readConfinedFile(ws.dir, 'pipe')).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('named pipe') });
    await expect(readConfinedFile(ws.dir, 'big.txt', { maxBytes: 1024 })).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('the limit is') });
    await expect(readConfinedFile(ws.dir, 'big.txt', { maxBytes: 2048 })).resolves.toMatchObject({ text: 'x'.repeat(2048) });
  });
  it('decodes UTF-8 (BOM dropped), UTF-16LE and UTF-16BE by their BOM', () => {
    expect(decodeText(Buffer.from('\ufeffzoë', 'utf8'))).toBe('zoë');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('zoë', 'utf16le')]))).toBe('zoë');
    const be = Buffer.from('zoë', 'utf16le');
    be.swap16();
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe('zoë');
    expect(decodeText(Buffer.from('plain', 'utf8'))).toBe('plain');
  });
  it('creates a directory level by level inside, and refuses one that a symlink leads outside', async () => {
    const made = await confinedDirectory(ws.dir, '.postman-power/reports', true);
    expect(existsSync(made)).toBe(true);
    symlinkSync(outside.dir, ws.path('escape'));
    await expect(confinedDirectory(ws.dir, 'escape/reports', true)).rejects.toMatchObject({ code: 'path_outside_workspace' });
    expect(existsSync(outside.path('reports'))).toBe(false);
    ws.write('file.txt', 'x');
    await expect(confinedDirectory(ws.dir, 'file.txt')).rejects.toMatchObject({ code: 'file_unreadable' });
  });
  it('parseBoundedJson: empty, syntax errors with a position, and depth', () => {
    expect(() => parseBoundedJson('  ', '"f"', 'invalid_collection')).toThrow(/is empty/);
    expect(() => parseBoundedJson('{"a": }', '"f"', 'invalid_collection')).toThrow(/line 1, column 7/);
    expect(parseBoundedJson('{"a": [1]}', '"f"', 'invalid_collection')).toEqual({ a: [1] });
  });
});

describe('bounds', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  it('the text check allows exactly the limit and refuses one more, ignoring brackets in strings', () => {
    expect(() => assertJsonTextDepth(nested(MAX_VALUE_DEPTH), 'x', 'invalid_data_file')).not.toThrow();
    expect(() => assertJsonTextDepth(nested(MAX_VALUE_DEPTH + 1), 'x', 'invalid_data_file')).toThrow(`the limit is ${MAX_VALUE_DEPTH}`);
    expect(() => assertJsonTextDepth(`["${'['.repeat(1000)}"]`, 'x', 'invalid_data_file')).not.toThrow();
    expect(() => assertJsonTextDepth(`["\\"${'['.repeat(1000)}"]`, 'x', 'invalid_data_file')).not.toThrow();
  });
  it('the value check allows exactly the limit and refuses one more', () => {
    let value: unknown = 1;
    for (let i = 0; i < MAX_VALUE_DEPTH; i += 1) value = [value];
    expect(() => assertValueBounds(value, 'x', 'invalid_collection')).not.toThrow();
    expect(() => assertValueBounds([value], 'x', 'invalid_collection')).toThrow(expect.objectContaining({ code: 'invalid_collection' }));
    expect(() => assertValueBounds({ a: { b: 'c' } }, 'x', 'invalid_collection')).not.toThrow();
  });
});

describe('junitReport', () => {
  const summary = (failures: RunSummary['failures'], iterations = 1): RunSummary => ({
    runId: 'r', status: 'failed', collection: { name: 'C&<"', source: { kind: 'local', ref: 'c' } }, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1500,
    progress: { done: 0, total: 0 }, stats: { iterations, requests: { total: 0, failed: 0 }, assertions: { total: 0, failed: 0, skipped: 0 }, scriptErrors: 0 },
    failures, failuresOmitted: 0, causes: [], causesOmitted: 0, console: [], consoleOmitted: 0, warnings: [], warningCodes: {},
  });
  const record = (name: string, extra: Partial<RequestRecord> = {}): RequestRecord => ({ iteration: 0, folder: '', name, method: 'GET', url: 'u', assertions: { passed: 1, failed: 0, skipped: 0 }, timeMs: 250, ...extra });
  it('attaches each failure to its own record, counts errors, failures and skips per testcase', () => {
    const xml = junitReport(
      summary([
        { kind: 'assertion', iteration: 0, folder: '', request: 'same', assertion: 'a', message: 'm<1>', requestIndex: 1 },
        { kind: 'script_error', iteration: 0, folder: 'F', request: 'x', message: 'boom', requestIndex: 2 },
      ]),
      [record('same'), record('same', { assertions: { passed: 0, failed: 2, skipped: 0 } }), record('x', { folder: 'F/G' }), record('gone', { error: 'ECONNREFUSED' }), record('skip', { skipped: true })],
    );
    const cases = xml.split('<testcase').slice(1);
    expect(cases[0]).toMatch(/\/>/);
    expect(cases[1]).toMatch(/<failure type="AssertionError" message="a: m&lt;1&gt;"/);
    expect(cases[1]).toMatch(/1 more assertion\(s\) failed/);
    expect(cases[2]).toMatch(/classname="C&amp;&lt;&quot;.F.G" name="F\/G\/x" time="0.250"/);
    expect(cases[2]).toMatch(/<error type="script_error" message="boom"\/>/);
    expect(cases[3]).toMatch(/<error type="request_error" message="ECONNREFUSED"\/>/);
    expect(cases[4]).toMatch(/<skipped\/>/);
    expect(xml).toMatch(/<testsuite name="C&amp;&lt;&quot;" tests="5" failures="1" errors="2" skipped="1" time="1.500" timestamp="2026-01-01T00:00:00">/);
  });
  it('names iterations from 1 when there are several', () => {
    const xml = junitReport(summary([], 2), [record('a'), record('a', { iteration: 1 })]);
    expect(xml).toMatch(/name="a \[iteration 1\]"/);
    expect(xml).toMatch(/name="a \[iteration 2\]"/);
  });
});

describe('redactor edges', () => {
  it('masks whole, keeps structure, counts and reports what it holds', () => {
    const set = new SecretSet();
    expect(set.redactText('nothing')).toBe('nothing');
    set.add('s3cret-value', '  padded-key  ', undefined, null, '', 'ab');
    expect(set.has('s3cret-value')).toBe(true);
    expect(set.has('padded-key')).toBe(true);
    expect(set.has('  padded-key  ')).toBe(true);
    expect(set.size).toBe(4);
    expect(set.shortCount).toBe(1);
    expect(set.redactText('a s3cret-value b')).toBe(`a ${MASK} b`);
    expect(set.redactText('padded-key')).toBe(MASK);
    expect(set.redactText('ab')).toBe(MASK);
    expect(set.redactText(' ab ')).toBe(MASK);
    expect(set.redactText('cab')).toBe('cab');
    expect(set.redact({ status: 's3cret-value', list: ['s3cret-value', 7], nested: { v: 's3cret-value' } })).toEqual({ status: 's3cret-value', list: [MASK, 7], nested: { v: MASK } });
    expect(MIN_SECRET_LENGTH).toBe(4);
    expect(maskSecret('PMAK-0123456789abcd')).toBe(`${MASK}abcd`);
    expect(maskSecret('short-key')).toBe(MASK);
  });
  it('warns once when a short secret is learned', () => {
    const set = new SecretSet();
    const heard: number[] = [];
    const stop = set.onShortSecret((count) => heard.push(count));
    set.add('ab', 'ab', 'cd');
    stop();
    set.add('ef');
    expect(heard).toEqual([1, 2]);
  });
  it('masks adjacent and overlapping occurrences as one span', () => {
    const set = new SecretSet().add('abcdef', 'defghi');
    expect(set.redactText('xabcdefghiy')).toBe(`x${MASK}y`);
    expect(set.redactText('abcdef abcdef')).toBe(`${MASK} ${MASK}`);
  });
});
