// Protocol abuse and stdout purity against the built server over real stdio: malformed lines,
// unknown methods, oversize messages, calls before initialize; scripts that console.log, a backend
// that returns binary garbage. The server survives, answers what it can, and every stdout line
// stays JSON-RPC.
import { createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';
import { INITIALIZE, spawnServer, type RawServer } from '../support/raw-stdio.js';
import { tools } from '../../src/tools/index.js';

let rw: RunWorkspace;
let server: RawServer;
beforeEach(async () => {
  rw = await createRunWorkspace('Test_Task5_');
  server = spawnServer(rw.ws.dir);
});
afterEach(async () => {
  await server.close();
  await rw.close();
});

it('survives malformed JSON-RPC, unknown methods, oversize messages and calls before initialize', async () => {
  server.send({ jsonrpc: '2.0', id: 'early', method: 'tools/call', params: { name: 'activate_power', arguments: {} } });
  server.write('this is not json\n');
  server.write('{"jsonrpc": "2.0", "id": 1, "method": \n');
  server.write('[1, 2, 3]\n');
  server.send({ jsonrpc: '1.0', id: 'old', method: 'ping' });
  server.send({ jsonrpc: '2.0', id: 'unknown-early', method: 'no/such/method' });
  server.send(INITIALIZE);
  await server.waitFor((m) => m.id === 'init');
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  server.send({ jsonrpc: '2.0', id: 'unknown', method: 'no/such/method', params: {} });
  server.send({ jsonrpc: '2.0', id: 'bad-tool', method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
  server.send({ jsonrpc: '2.0', id: 'typo-tool', method: 'tools/call', params: { name: 'run_colection', arguments: {} } });
  server.send({ jsonrpc: '2.0', id: 'bad-args', method: 'tools/call', params: { name: 'check_backend_health', arguments: { attempts: 'many' } } });
  // A 4 MB message: a tool argument far larger than any real one.
  server.send({ jsonrpc: '2.0', id: 'huge', method: 'tools/call', params: { name: 'get_collection', arguments: { collection: 'x'.repeat(4 * 1024 * 1024) } } });
  server.send({ jsonrpc: '2.0', id: 'after', method: 'tools/list' });

  const unknown = await server.waitFor((m) => m.id === 'unknown');
  expect(unknown.error.code).toBe(-32601);
  // An unknown tool is a protocol error (-32602, as the spec's example), with a guess when one is close.
  const badTool = await server.waitFor((m) => m.id === 'bad-tool');
  expect(badTool.error.code).toBe(-32602);
  const typo = await server.waitFor((m) => m.id === 'typo-tool');
  expect(typo.error).toMatchObject({ code: -32602, message: expect.stringContaining('did you mean run_collection?') });
  // Arguments a known tool refuses are its own result: isError, with the stable code and a hint.
  const badArgs = await server.waitFor((m) => m.id === 'bad-args');
  expect(badArgs.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'invalid_argument', hint: expect.any(String) } } });
  const huge = await server.waitFor((m) => m.id === 'huge');
  expect(huge.result.isError).toBe(true);
  const after = await server.waitFor((m) => m.id === 'after');
  expect(after.result.tools).toHaveLength(tools.length);
  // Malformed lines are answered, never dropped and never a crash: two parse errors (not JSON, and
  // the truncated line), and invalid requests for the array and the JSON-RPC 1.0 message (with its id).
  const parseErrors = server.messages.filter((m) => m.id === null && m.error?.code === -32700);
  expect(parseErrors).toHaveLength(2);
  expect(server.messages.filter((m) => m.id === null && m.error?.code === -32600).length).toBeGreaterThanOrEqual(1);
  expect((await server.waitFor((m) => m.id === 'old')).error.code).toBe(-32600);
  expect(server.child.exitCode).toBeNull();
  expect(server.junk).toEqual([]);
}, 30_000);

it('keeps stdout pure: scripts that print, a backend that sends binary garbage', async () => {
  rw.ws.write('postman/collections/noisy.postman_collection.json', {
    info: { name: 'Noisy' },
    item: [
      {
        name: 'Binary',
        request: { method: 'GET', url: '{{baseUrl}}/binary' },
        event: [
          {
            listen: 'test',
            script: {
              exec: [
                "console.log('to stdout?', '\\u0000\\u001b[31mred\\n{\"jsonrpc\":\"2.0\"}');",
                "console.info('info'); console.warn('warn'); console.error('error');",
                "pm.test('binary body is not JSON', () => pm.expect(() => pm.response.json()).to.throw());",
                "pm.test('fails with binary excerpt', () => pm.expect(pm.response.text()).to.eql('x'));",
              ],
            },
          },
        ],
      },
    ],
  });
  server.send(INITIALIZE);
  await server.waitFor((m) => m.id === 'init');
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  server.send({ jsonrpc: '2.0', id: 'run', method: 'tools/call', params: { name: 'run_collection', arguments: { collection: 'postman/collections/noisy.postman_collection.json' } } });
  const run = await server.waitFor((m) => m.id === 'run', 30_000);
  const summary = run.result.structuredContent;
  expect(summary.status).toBe('failed');
  expect(summary.console.map((line: { level: string }) => line.level)).toEqual(['log', 'info', 'warn', 'error']);
  expect(summary.failures[0].response.bodyExcerpt).toBe('(binary body, 300 bytes)');
  expect(server.junk).toEqual([]);
  server.send({ jsonrpc: '2.0', id: 'again', method: 'tools/list' });
  expect((await server.waitFor((m) => m.id === 'again')).result.tools).toHaveLength(tools.length);
}, 40_000);
