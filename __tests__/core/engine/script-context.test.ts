// The script context's timers, driven as uvm drives a worker, with a boot script of the test's own
// that runs each message it is sent as code.
import vm from 'node:vm';
import { ContextWorker } from '../../../src/core/engine/script-context.js';

const FIRMWARE = 'var __uvm_setTimeout; __uvm_setTimeout = setTimeout; try { __pp_boot(); } catch (error) { __uvm_setTimeout(() => { throw error; }, 0); }';
const BOOT = new vm.Script("__pp_port.on('message', function (message) { new Function(message.__emit_uvm)(); });");

/** A context whose messages are recorded (after `host`, the host's own work on each, has run); `seen(text)` settles once one says `text`. */
function contextWorker(host: (text: string) => void = () => undefined): { worker: ContextWorker; messages: string[]; seen(text: string): Promise<void> } {
  const worker = new ContextWorker(FIRMWARE, { bootScript: BOOT });
  const messages: string[] = [];
  worker.on('message', (message: { __emit_uvm: string }) => {
    host(message.__emit_uvm);
    messages.push(message.__emit_uvm);
  });
  const seen = (text: string) => new Promise<void>((resolve) => worker.on('message', (message: { __emit_uvm: string }) => message.__emit_uvm === text && resolve()));
  return { worker, messages, seen };
}
const post = (text: string) => `__pp_port.postMessage({ __id_uvm: 'test', __emit_uvm: ${JSON.stringify(text)} });`;
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

it('an immediate set after a zero-delay timeout in the same call fires first, however long the host takes over what the call posted in between (as in an I/O callback in Node)', async () => {
  // The host's own work on a message between the two: longer than the timeout's 1 ms.
  const { worker, messages, seen } = contextWorker((text) => text === 'slow' && busy(5));
  const done = Promise.all([seen('timeout'), seen('immediate')]);
  worker.postMessage({ __id_uvm: 'test', __emit_uvm: `setTimeout(function () { ${post('timeout')} }, 0); ${post('slow')} setImmediate(function () { ${post('immediate')} });` });
  await done;
  expect(messages.filter((text) => text !== 'slow')).toEqual(['immediate', 'timeout']);
  await worker.terminate();
});

it('timers fire by due time, then in the order they were set', async () => {
  const { worker, messages, seen } = contextWorker();
  const done = seen('last');
  worker.postMessage({
    __id_uvm: 'test',
    __emit_uvm: `setTimeout(function () { ${post('20 ms')} }, 20); setTimeout(function () { ${post('0 ms, first')} }, 0); setTimeout(function () { ${post('1 ms, second')} }, 1); setImmediate(function () { ${post('immediate')} }); setTimeout(function () { ${post('last')} }, 30);`,
  });
  await done;
  expect(messages).toEqual(['immediate', '0 ms, first', '1 ms, second', '20 ms', 'last']);
  await worker.terminate();
});

it("the context's code finds ECMAScript's builtins as they were when the boot began, while the global object's properties stay the scripts' to change", async () => {
  const { worker, messages, seen } = contextWorker();
  const done = seen('end');
  worker.postMessage({
    __id_uvm: 'test',
    __emit_uvm: `
      const global = (function () { return this; })();
      const OriginalArray = global.Array;
      global.Array = function Replaced() {};
      delete global.Object;
      __pp_port.postMessage({ __id_uvm: 'test', __emit_uvm: JSON.stringify({
        array: Array === OriginalArray && Array === [].constructor,
        object: typeof Object === 'function' && Object.keys({ a: 1 }).length === 1 && Object === ({}).constructor,
        onTheGlobal: [global.Array.name, typeof global.Object],
        // Error is fixed on the global (the bootstrap locks it): not bound, and the same either way.
        error: Error === global.Error && Object.getOwnPropertyDescriptor(global, 'Error').configurable === false,
      }) });
      ${post('end')}`,
  });
  await done;
  expect(JSON.parse(messages[0]!)).toEqual({ array: true, object: true, onTheGlobal: ['Replaced', 'undefined'], error: true });
  await worker.terminate();
});

it('the builtins bound are only names from our list, whatever the context answers when asked which it has', async () => {
  // Firmware that answers the probe with code: had it been compiled, it would have set `injected`.
  const hostile = `Array.prototype.join = function () { return 'Object} = {}; (function () { return this; })().injected = 1; const {Array'; }; ${FIRMWARE}`;
  const worker = new ContextWorker(hostile, { bootScript: BOOT });
  const answered = new Promise<string>((resolve) => worker.on('message', (message: { __emit_uvm: string }) => resolve(message.__emit_uvm)));
  worker.postMessage({ __id_uvm: 'test', __emit_uvm: "__pp_port.postMessage({ __id_uvm: 'test', __emit_uvm: typeof (function () { return this; })().injected });" });
  expect(await answered).toBe('undefined');
  await worker.terminate();
});
