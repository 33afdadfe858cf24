// A run process that says it is ready, then fails while nobody has given it a run: what a run process
// does when something fails late (process-runner.ts must not let it crash the server).
process.send?.({ type: 'ready' });
process.on('message', () => undefined);
setImmediate(() => {
  throw new Error('thrown while idle');
});
