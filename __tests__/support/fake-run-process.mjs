// A stand-in run process for the code-cache handshake: one cache before 'ready', one after (as a
// script that escaped into a run process would send it), each when the test says.
const send = (message) => process.send(message);
send({ type: 'codeCache', identity: 'a'.repeat(64), data: new Uint8Array([1, 2, 3]) });
send({ type: 'ready' });
process.on('message', (message) => {
  if (message?.type !== 'go') return;
  send({ type: 'codeCache', identity: 'b'.repeat(64), data: new Uint8Array([4, 5, 6]) });
  send({ type: 'sent' });
});
process.on('disconnect', () => process.exit(0));
