// The benchmark backend, in its own process so it never shares an event loop with a runner:
// GET /json answers {"ok":true}; /slow?ms=N waits; LATENCY_MS delays every answer.
import http from 'node:http';

const latency = Number(process.env.LATENCY_MS ?? 0);
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  const answer = () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true,"n":1}');
  };
  const wait = url.pathname === '/slow' ? Number(url.searchParams.get('ms') ?? 1000) : latency;
  if (wait > 0) {
    const timer = setTimeout(answer, wait);
    res.on('close', () => clearTimeout(timer));
  } else answer();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
