// The example backend: a small todo API on 127.0.0.1 with /health. `node server.mjs [port]`.
// Exported as startTodoServer for the demo and the tests.
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export function startTodoServer(port = 0) {
  const todos = new Map();
  let nextId = 1;
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const url = new URL(req.url ?? '/', 'http://todo');
    const [, resource, id] = url.pathname.split('/');
    if (req.method === 'GET' && resource === 'health') return send(res, 200, { status: 'ok', todos: todos.size });
    if (resource !== 'todos') return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    if (req.method === 'GET' && !id) return send(res, 200, [...todos.values()]);
    if (req.method === 'POST' && !id) {
      let input;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch {
        return send(res, 400, { error: 'body must be JSON' });
      }
      if (typeof input.title !== 'string' || input.title.trim() === '') return send(res, 422, { error: 'title is required' });
      const todo = { id: nextId++, title: input.title.trim(), done: false };
      todos.set(todo.id, todo);
      return send(res, 201, todo);
    }
    const todo = todos.get(Number(id));
    if (!todo) return send(res, 404, { error: 'todo not found' });
    if (req.method === 'GET') return send(res, 200, todo);
    if (req.method === 'PATCH') {
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      Object.assign(todo, typeof input.done === 'boolean' ? { done: input.done } : {}, typeof input.title === 'string' ? { title: input.title } : {});
      return send(res, 200, todo);
    }
    if (req.method === 'DELETE') {
      todos.delete(todo.id);
      return send(res, 204);
    }
    return send(res, 405, { error: 'method not allowed' });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startTodoServer(Number(process.argv[2] ?? 3000));
  console.error(`todo API listening on ${url}`);
}
