// The benchmark backend, in its own process so it never shares an event loop with a runner:
// GET /json answers {"ok":true}; /slow?ms=N waits; /huge?mb=N streams N MB; LATENCY_MS delays every answer.
import http from 'node:http';

const latency = Number(process.env.LATENCY_MS ?? 0);
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname === '/huge') {
    // ?mb=N megabytes, streamed as fast as the reader takes them.
    const total = Number(url.searchParams.get('mb') ?? 200);
    const chunk = Buffer.alloc(1024 * 1024, 97);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += 1;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    return pump();
  }
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
