// The backend the runner tests run collections against: a small JSON API on 127.0.0.1 with CRUD,
// /health, a slow route, auth-protected routes, an echo, an upload and a binary route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './http-server.js';

export const BACKEND_CREDENTIALS = { bearer: 'test-token', basic: { user: 'ada', pass: 'lovelace' }, apiKey: 'key-123' };

export interface TestBackend extends TestServer {
  /** Requests seen, as `METHOD /path`. */
  seen: string[];
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-backend': 'test', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTestBackend(options: { latencyMs?: number } = {}): Promise<TestBackend> {
  const users = new Map<number, { id: number; name: string }>();
  let nextId = 1;
  const seen: string[] = [];
  const server = await startServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      seen.push(`${req.method} ${url.pathname}`);
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      const body = await readBody(req);
      const parts = url.pathname.split('/').filter(Boolean);
      const auth = req.headers.authorization ?? '';
      switch (`${req.method} /${parts[0] ?? ''}`) {
        case 'GET /health':
          return json(res, 200, { status: 'ok' });
        case 'GET /users':
          if (parts[1]) {
            const user = users.get(Number(parts[1]));
            return user ? json(res, 200, user) : json(res, 404, { error: 'not found' });
          }
          return json(res, 200, [...users.values()], { 'x-total-count': String(users.size) });
        case 'POST /users': {
          let name = 'anonymous';
          try {
            name = (JSON.parse(body.toString() || '{}') as { name?: string }).name ?? name;
          } catch {
            return json(res, 400, { error: 'invalid JSON' });
          }
          const user = { id: nextId++, name };
          users.set(user.id, user);
          return json(res, 201, user, { location: `/users/${user.id}` });
        }
        case 'DELETE /users':
          return users.delete(Number(parts[1])) ? json(res, 204, undefined) : json(res, 404, { error: 'not found' });
        case 'GET /slow': {
          const ms = Number(url.searchParams.get('ms') ?? 1000);
          const timer = setTimeout(() => json(res, 200, { waited: ms }), ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'GET /auth':
          if (parts[1] === 'bearer') return auth === `Bearer ${BACKEND_CREDENTIALS.bearer}` ? json(res, 200, { ok: true }) : json(res, 401, { error: 'bad bearer' });
          if (parts[1] === 'basic') {
            const expected = `Basic ${Buffer.from(`${BACKEND_CREDENTIALS.basic.user}:${BACKEND_CREDENTIALS.basic.pass}`).toString('base64')}`;
            return auth === expected ? json(res, 200, { ok: true }) : json(res, 401, { error: 'bad basic' });
          }
          if (parts[1] === 'apikey') return req.headers['x-api-key'] === BACKEND_CREDENTIALS.apiKey ? json(res, 200, { ok: true }) : json(res, 401, { error: 'bad key' });
          return json(res, 404, { error: 'no such auth' });
        case 'GET /echo':
        case 'POST /echo':
          return json(res, 200, { headers: req.headers, query: Object.fromEntries(url.searchParams), body: body.toString() });
        case 'POST /upload': {
          const text = body.toString('latin1');
          const filename = /filename="([^"]+)"/.exec(text)?.[1];
          return json(res, 200, { filename, bytes: body.length, hasContent: text.includes('hello upload') });
        }
        case 'GET /binary':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256)));
        default:
          return json(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      }
    })();
  });
  return { ...server, seen };
}
