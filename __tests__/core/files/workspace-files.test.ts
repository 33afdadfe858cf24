// The one confined reader, tested directly (the confinement suite tests it through the server):
// what is inside, what is outside (by path, by symlink, by a name that only looks like `..`), what is
// not a regular file, the size cap, the encodings, and the bounded JSON parse.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_VALUE_DEPTH } from '../../../src/core/bounds.js';
import { confinedDirectory, decodeText, FileRefusedError, parseBoundedJson, readConfinedFile, readNamedJsonFile, readWorkspaceJson, resolveInsideRoot, resolveInsideRootSync } from '../../../src/core/files/workspace-files.js';
import { createTempWorkspace, type TempWorkspace } from '../../support/temp-workspace.js';

let ws: TempWorkspace;
let outside: TempWorkspace;
beforeAll(() => {
  ws = createTempWorkspace('Test_Task5_');
  outside = createTempWorkspace('Test_Task5_');
});
afterAll(() => {
  ws.cleanup();
  outside.cleanup();
});

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code);

describe('resolveInsideRoot', () => {
  it('a file inside resolves to its real path, also through a root that is itself a symlink', async () => {
    const file = ws.write('a/b.json', '{}');
    expect(await resolveInsideRoot(ws.dir, 'a/b.json')).toBe(realpathSync(file));
    const linkedRoot = path.join(outside.dir, 'linked-root');
    symlinkSync(ws.dir, linkedRoot);
    expect(await resolveInsideRoot(linkedRoot, 'a/b.json')).toBe(realpathSync(file));
  });
  it('a name that starts with two dots is inside; a path that climbs out is not', async () => {
    ws.write('..notes.json', '{}');
    expect(await codeOf(resolveInsideRoot(ws.dir, '..notes.json'))).toBe('resolved');
    outside.write('x.json', '{}');
    expect(await codeOf(resolveInsideRoot(ws.dir, `../${path.basename(outside.dir)}/x.json`))).toBe('path_outside_workspace');
    expect(await codeOf(resolveInsideRoot(ws.dir, outside.path('x.json')))).toBe('path_outside_workspace');
    expect(await codeOf(resolveInsideRoot(ws.dir, '..'))).toBe('path_outside_workspace');
  });
  it('a sibling folder whose name starts with the root\'s is outside', async () => {
    const sibling = `${ws.dir}-evil`;
    execFileSync('mkdir', ['-p', sibling]);
    writeFileSync(path.join(sibling, 'x.json'), '{}');
    try {
      expect(await codeOf(resolveInsideRoot(ws.dir, path.join(sibling, 'x.json')))).toBe('path_outside_workspace');
    } finally {
      execFileSync('rm', ['-rf', sibling]);
    }
  });
  it('a symlink inside that points outside is refused, naming where it leads', async () => {
    outside.write('secret.json', '{"secret": true}');
    ws.symlink(outside.path('secret.json'), 'leak.json');
    await expect(resolveInsideRoot(ws.dir, 'leak.json')).rejects.toMatchObject({ code: 'path_outside_workspace', message: expect.stringContaining('is a symlink to') });
  });
  it('a missing file is file_not_found, naming where it looked', async () => {
    await expect(resolveInsideRoot(ws.dir, 'nope.json')).rejects.toMatchObject({ code: 'file_not_found', message: expect.stringContaining(ws.path('nope.json')) });
  });
});

describe('decodeText', () => {
  const text = 'zoë ☃';
  it.each([
    ['UTF-8 without a BOM', Buffer.from(text, 'utf8')],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['UTF-16BE with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
  ])('%s', (_name, bytes) => {
    expect(decodeText(bytes)).toBe(text);
  });
  it('bytes that only start like a BOM are text', () => {
    expect(decodeText(Buffer.from([0xef, 0xbb, 0x41]))).toBe(Buffer.from([0xef, 0xbb, 0x41]).toString('utf8'));
    expect(decodeText(Buffer.from('ab'))).toBe('ab');
  });
});

describe('readConfinedFile', () => {
  it('reads a regular file with its real path and decoded text', async () => {
    const file = ws.write('r/ok.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]));
    expect(await readConfinedFile(ws.dir, 'r/ok.json')).toEqual({ file: realpathSync(file), text: '{"a":1}' });
  });
  it('a directory is file_unreadable with the hint given (or the default)', async () => {
    ws.mkdir('r/dir');
    await expect(readConfinedFile(ws.dir, 'r/dir')).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('is a directory'), hint: 'Name the file inside it.' });
    await expect(readConfinedFile(ws.dir, 'r/dir', { notAFile: 'Name a collection file.' })).rejects.toMatchObject({ hint: 'Name a collection file.' });
  });
  it('a FIFO is refused before anything waits on it', async () => {
    execFileSync('mkfifo', [ws.path('r/pipe')]);
    await expect(readConfinedFile(ws.dir, 'r/pipe')).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('a named pipe (FIFO)') });
  });
  it('the size cap: a file at the cap is read, one byte over is refused naming the limit', async () => {
    ws.write('r/ten.txt', '0123456789');
    expect((await readConfinedFile(ws.dir, 'r/ten.txt', { maxBytes: 10 })).text).toBe('0123456789');
    await expect(readConfinedFile(ws.dir, 'r/ten.txt', { maxBytes: 9 })).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringMatching(/the limit is 0 MB/) });
    const big = 3 * 1024 * 1024;
    ws.write('r/big.txt', Buffer.alloc(big, 0x61));
    await expect(readConfinedFile(ws.dir, 'r/big.txt', { maxBytes: 2 * 1024 * 1024 })).rejects.toMatchObject({ message: '"r/big.txt" is 3 MB; the limit is 2 MB' });
  });
  it('an unreadable file says so (skipped as root, who reads anything)', async () => {
    if (process.getuid?.() === 0) return;
    const file = ws.write('r/locked.json', '{}');
    execFileSync('chmod', ['000', file]);
    await expect(readConfinedFile(ws.dir, 'r/locked.json')).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('EACCES') });
  });
});

describe('confinedDirectory', () => {
  it('creates missing levels inside and returns the real directory', async () => {
    const made = await confinedDirectory(ws.dir, '.postman-power/reports/x', true);
    expect(made).toBe(realpathSync(ws.path('.postman-power/reports/x')));
  });
  it('never creates through a symlinked level that leads outside', async () => {
    ws.symlink(outside.dir, 'escape');
    await expect(confinedDirectory(ws.dir, 'escape/reports', true)).rejects.toMatchObject({ code: 'path_outside_workspace' });
    expect(existsSync(outside.path('reports'))).toBe(false);
  });
  it('without create, a missing one is file_not_found; a file is not a directory', async () => {
    expect(await codeOf(confinedDirectory(ws.dir, 'missing-dir'))).toBe('file_not_found');
    ws.write('plain.txt', 'x');
    await expect(confinedDirectory(ws.dir, 'plain.txt')).rejects.toMatchObject({ code: 'file_unreadable', message: '"plain.txt" is not a directory' });
  });
});

describe('bounded JSON', () => {
  it('empty, broken (with file, line and column), too deep, and fine', () => {
    expect(() => parseBoundedJson('  \n', '"e.json"', 'invalid_data_file')).toThrow(expect.objectContaining({ code: 'invalid_data_file', message: '"e.json" is empty' }));
    expect(() => parseBoundedJson('{\n  "a": ,\n}', '"b.json"', 'invalid_collection', '/w/b.json')).toThrow(
      expect.objectContaining({ code: 'invalid_collection', message: expect.stringMatching(/^"b.json" is not valid JSON: .* at line 2, column/), details: expect.objectContaining({ file: '/w/b.json', line: 2 }) }),
    );
    const deep = `${'['.repeat(MAX_VALUE_DEPTH + 1)}${']'.repeat(MAX_VALUE_DEPTH + 1)}`;
    expect(() => parseBoundedJson(deep, '"d.json"', 'invalid_environment')).toThrow(expect.objectContaining({ code: 'invalid_environment' }));
    expect(parseBoundedJson('{"ok": [1, 2]}', '"f.json"', 'invalid_argument')).toEqual({ ok: [1, 2] });
  });
  it('readWorkspaceJson and readNamedJsonFile read through the confined reader', async () => {
    const file = ws.write('j/env.json', '{"values": []}');
    expect(await readWorkspaceJson(ws.dir, 'j/env.json', 'invalid_environment')).toEqual({ file: realpathSync(file), value: { values: [] } });
    expect(await readNamedJsonFile(file, 'invalid_argument')).toEqual({ values: [] });
    ws.write('j/bad.json', '{');
    await expect(readNamedJsonFile(ws.path('j/bad.json'), 'invalid_argument')).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('resolveInsideRoot', () => {
  it('resolves inside, refuses .., absolute paths elsewhere and symlinks out, reports missing files', async () => {
    const root = createTempWorkspace('Test_Task5_');
    const elsewhere = createTempWorkspace('Test_Task5_');
    try {
      root.write('a/b.json', '{}');
      elsewhere.write('secret.json', '{}');
      symlinkSync(elsewhere.path('secret.json'), root.path('link.json'));
      await expect(resolveInsideRoot(root.dir, 'a/b.json')).resolves.toMatch(/a\/b\.json$/);
      await expect(resolveInsideRoot(root.dir, '../x.json')).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(root.dir, elsewhere.path('secret.json'))).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(root.dir, 'link.json')).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(root.dir, 'missing.json')).rejects.toMatchObject({ code: 'file_not_found' });
    } finally {
      root.cleanup();
      elsewhere.cleanup();
    }
  });
});

describe('resolveInsideRootSync (the engine\'s file resolver: uploads, certificates)', () => {
  it('passes a file inside (and a missing one, for the read to report); refuses outside, a symlink out and a directory; allows a trusted file', () => {
    ws.write('upload/a.txt', 'a');
    outside.write('cert.pem', 'c');
    symlinkSync(outside.path('cert.pem'), ws.path('upload/link.pem'));
    expect(resolveInsideRootSync(ws.dir, 'upload/a.txt')).toBe(realpathSync(ws.path('upload/a.txt')));
    expect(resolveInsideRootSync(ws.dir, 'upload/missing.txt')).toBe(path.join(realpathSync(ws.dir), 'upload/missing.txt'));
    const refusal = (given: string) => {
      try {
        resolveInsideRootSync(ws.dir, given);
      } catch (error) {
        return error instanceof FileRefusedError ? [error.reason, error.given] : error;
      }
      return 'read';
    };
    expect(refusal('../x.txt')).toEqual(['outside_root', '../x.txt']);
    expect(refusal(outside.path('cert.pem'))).toEqual(['outside_root', outside.path('cert.pem')]);
    expect(refusal('upload/link.pem')).toEqual(['outside_root', 'upload/link.pem']);
    expect(refusal('upload')).toEqual(['not_a_file', 'upload']);
    const trusted = new Set([realpathSync(outside.path('cert.pem'))]);
    expect(resolveInsideRootSync(ws.dir, outside.path('cert.pem'), trusted)).toBe(realpathSync(outside.path('cert.pem')));
    expect(resolveInsideRootSync(ws.dir, 'upload/link.pem', trusted)).toBe(realpathSync(outside.path('cert.pem')));
  });
});
