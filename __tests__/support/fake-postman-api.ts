// A fake Postman API: a real HTTP server on 127.0.0.1 with Postman's response and error shapes, a
// request log, and per-route fault scripts. Tests reach it through POSTMAN_API_BASE_URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './http-server.js';

export type Fault =
  | { status: number; body?: unknown; headers?: Record<string, string>; contentType?: string }
  | { latencyMs: number }
  | { reset: true }
  | { hang: true }
  | { malformed: true }
  | { oversize: true };

export interface LoggedRequest {
  method: string;
  path: string;
  at: number;
  apiKey: string | undefined;
  userAgent: string | undefined;
}

export interface FakePostmanApi {
  url: string;
  log: LoggedRequest[];
  /** Queue faults for a route such as `GET /collections/:id`; each request takes the next one. */
  fault(route: string, ...faults: Fault[]): void;
  collections: Map<string, Record<string, unknown>>;
  environments: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export interface FakeApiOptions {
  apiKey: string;
  workspace?: { id: string; name: string };
  user?: { id: number; username: string; fullName: string };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function routeOf(method: string, pathname: string): string {
  const parts = pathname.split('/').filter(Boolean);
  if (parts.length === 2) return `${method} /${parts[0]}/:id`;
  return `${method} /${parts.join('/')}`;
}

export async function startFakePostmanApi(options: FakeApiOptions): Promise<FakePostmanApi> {
  const log: LoggedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const collections = new Map<string, Record<string, unknown>>();
  const environments = new Map<string, Record<string, unknown>>();
  const workspace = options.workspace ?? { id: '0e0a0b0c-1111-4222-8333-444455556666', name: 'Team' };
  const user = options.user ?? { id: 12345678, username: 'ada', fullName: 'Ada Lovelace' };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    log.push({ method, path: url.pathname + url.search, at: Date.now(), apiKey: req.headers['x-api-key'] as string | undefined, userAgent: req.headers['user-agent'] });
    const route = routeOf(method, url.pathname);
    const fault = faults.get(route)?.shift();
    if (fault) {
      if ('latencyMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      else if ('reset' in fault) return void req.socket.destroy();
      else if ('hang' in fault) return;
      else if ('malformed' in fault) return send(res, 200, '{"collection": {"info": ');
      else if ('oversize' in fault) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(60 * 1024 * 1024) });
        res.write('{"collection":');
        return;
      } else return send(res, fault.status, fault.body ?? {}, fault.headers, fault.contentType);
    }
    if (req.headers['x-api-key'] !== options.apiKey) {
      return send(res, 401, { error: { name: 'AuthenticationError', message: 'Invalid API Key. Every request requires a valid API Key to be sent.' } });
    }
    const id = url.pathname.split('/').filter(Boolean)[1];
    switch (route) {
      case 'GET /me':
        return send(res, 200, { user: { ...user, email: 'ada@example.test', isPublic: false } });
      case 'GET /workspaces':
        return send(res, 200, { workspaces: [{ ...workspace, type: 'team' }] });
      case 'GET /workspaces/:id':
        if (id !== workspace.id) return send(res, 404, { error: { name: 'workspaceNotFoundError', message: 'Workspace not found' } });
        return send(res, 200, {
          workspace: {
            ...workspace,
            type: 'team',
            collections: [...collections.entries()].map(([uid, c]) => ({ id: uid.replace(/^\d+-/, ''), uid, name: (c.info as { name: string }).name })),
            environments: [...environments.entries()].map(([uid, e]) => ({ id: uid.replace(/^\d+-/, ''), uid, name: e.name as string })),
          },
        });
      case 'GET /collections':
        return send(res, 200, { collections: [...collections.entries()].map(([uid, c]) => ({ id: uid.replace(/^\d+-/, ''), uid, name: (c.info as { name: string }).name, owner: String(user.id) })) });
      case 'GET /environments':
        return send(res, 200, { environments: [...environments.entries()].map(([uid, e]) => ({ id: uid.replace(/^\d+-/, ''), uid, name: e.name as string })) });
      case 'GET /collections/:id': {
        const found = collections.get(id) ?? [...collections.entries()].find(([uid]) => uid.endsWith(id))?.[1];
        if (!found) return send(res, 404, { error: { name: 'instanceNotFoundError', message: 'We could not find the collection you are looking for' } });
        return send(res, 200, { collection: found });
      }
      case 'GET /environments/:id': {
        const found = environments.get(id) ?? [...environments.entries()].find(([uid]) => uid.endsWith(id))?.[1];
        // Postman answers some missing instances with 400 and instanceNotFoundError.
        if (!found) return send(res, 400, { error: { name: 'instanceNotFoundError', message: 'We could not find the environment you are looking for' } });
        return send(res, 200, { environment: found });
      }
      default:
        return send(res, 404, { type: 'https://api.postman.com/problems/not-found', title: 'Not Found', detail: `No route ${route}`, status: 404 }, {}, 'application/problem+json');
    }
  };

  const server: TestServer = await startServer((req, res) => {
    void handle(req, res);
  });
  return {
    url: server.url,
    log,
    collections,
    environments,
    fault(route, ...list) {
      faults.set(route, [...(faults.get(route) ?? []), ...list]);
    },
    close: () => server.close(),
  };
}
