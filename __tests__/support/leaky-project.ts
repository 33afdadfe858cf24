// An attacker's view of secrets: a backend that echoes everything it receives back in every encoding
// (JSON once and twice, PHP's `\/` and `\uXXXX`, Python's ensure_ascii, HTML, a cookie, a redirect
// Location), a login that issues a fresh token a script stores in a secret-typed variable, and a
// collection whose scripts print and assert on every secret, so each one reaches every output unless
// redaction stops it. `leaksIn` looks for every form of every secret in a list of outputs.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './http-server.js';
import { createTempWorkspace, type SuitePrefix, type TempWorkspace } from './temp-workspace.js';

const require = createRequire(import.meta.url);
const urlEncoderPath = require.resolve('postman-url-encoder', { paths: [require.resolve('postman-runtime')] });
const { encodeQueryParam } = require(urlEncoderPath.replace(/index\.js$/, 'encoder')) as { encodeQueryParam(text: string): string };

export interface LeakySecrets {
  apiKey: string;
  /** A secret-typed environment value with a quote, a backslash, a tab, an apostrophe, a slash and non-ASCII. */
  envSecret: string;
  /** A secret-typed collection variable. */
  collectionSecret: string;
  /** The collection's own bearer token (written literally in its auth block). */
  bearer: string;
  /** A folder's basic-auth password. */
  basicPassword: string;
  /** Issued by /login at run time and stored by a script in a secret-typed variable. */
  sessionToken: string;
}

const hex4 = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`;
export const php = (text: string) => JSON.stringify(text).slice(1, -1).replace(/\//g, '\\/').replace(/[\u0080-\uffff]/g, (c) => hex4(c.charCodeAt(0)));
export const python = (text: string) => JSON.stringify(text).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => hex4(c.charCodeAt(0)));
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Every form a secret can take on the way out. */
export function formsOf(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, encodeURIComponent(secret), encodeQueryParam(secret), once, JSON.stringify(once).slice(1, -1), php(secret), php(php(secret)), python(secret), html(secret)])];
}

/** Which secrets (by name) appear, in any form, in the outputs. */
export function leaksIn(outputs: string[], secrets: Partial<LeakySecrets>, extraForms: Record<string, string[]> = {}): string[] {
  const all = outputs.join('\n\u0000\n');
  const leaked: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (!value) continue;
    const forms = [...formsOf(value), ...(extraForms[name] ?? [])];
    const found = forms.find((form) => all.includes(form));
    if (found) leaked.push(`${name} as ${JSON.stringify(found)}`);
  }
  return leaked;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLeakyBackend(sessionToken: string): Promise<TestServer> {
  return startServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      const body = await readBody(req);
      const echo = { url: req.url, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      const send = (status: number, text: string, type = 'application/json', headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, ...headers });
        res.end(text);
      };
      switch (url.pathname) {
        case '/login':
          return send(200, JSON.stringify({ token: sessionToken }));
        case '/echo-json':
          return send(200, JSON.stringify(echo), 'application/json', { 'set-cookie': `echo=${encodeURIComponent(url.searchParams.get('q') ?? '')}; Path=/` });
        case '/echo-double':
          return send(200, JSON.stringify({ payload: JSON.stringify(echo) }));
        case '/echo-php':
          return send(200, php(JSON.stringify(echo)).replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
        case '/echo-python':
          return send(200, JSON.stringify(echo).replace(/[\u0080-\uffff]/g, (c) => hex4(c.charCodeAt(0))));
        case '/echo-html':
          return send(200, `<p>${html(JSON.stringify(echo))}</p>`, 'text/html');
        case '/redirect':
          return send(302, '', 'text/plain', { location: `/echo-json?${url.searchParams.toString()}` });
        default:
          return send(500, JSON.stringify({ error: 'server error', echo }));
      }
    })();
  });
}

const ECHO_ROUTES = ['/echo-json', '/echo-double', '/echo-php', '/echo-python', '/echo-html', '/redirect', '/boom'];

/** The collection: every echo route gets every secret in its query, a header and its body, and fails an assertion on it. */
export function leakyCollection(secrets: LeakySecrets): Record<string, unknown> {
  const printAll = "console.log('env', pm.environment.get('envSecret'), 'col', pm.collectionVariables.get('colSecret'), 'session', pm.environment.get('sessionToken'));";
  const request = (route: string) => ({
    name: `echo ${route}`,
    event: [
      {
        listen: 'test',
        script: {
          exec: [
            printAll,
            "pm.test('body has no secret', () => pm.expect(pm.response.text()).to.equal('nothing secret'));",
            "pm.test('env secret', () => pm.expect(pm.environment.get('envSecret')).to.equal('x'));",
            "pm.test('session token', () => pm.expect(pm.environment.get('sessionToken')).to.equal('x'));",
            "pm.test('collection secret', () => pm.expect(pm.collectionVariables.get('colSecret')).to.equal('x'));",
          ],
        },
      },
    ],
    request: {
      method: 'POST',
      header: [
        { key: 'X-Env', value: '{{envSecret}}' },
        { key: 'X-Session', value: '{{sessionToken}}' },
      ],
      body: { mode: 'raw', raw: '{"env":"{{envSecret}}","col":"{{colSecret}}","session":"{{sessionToken}}"}' },
      url: `{{baseUrl}}${route}?q={{envSecret}}&s={{sessionToken}}&c={{colSecret}}`,
    },
  });
  return {
    info: { name: 'Leaky', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: secrets.bearer, type: 'string' }] },
    variable: [{ key: 'colSecret', value: secrets.collectionSecret, type: 'secret' }],
    item: [
      {
        name: 'login',
        event: [{ listen: 'test', script: { exec: ["pm.environment.set('sessionToken', pm.response.json().token);", 'console.log(pm.response.text());'] } }],
        request: { method: 'POST', url: '{{baseUrl}}/login' },
      },
      { name: 'Echoes', item: ECHO_ROUTES.map(request) },
      {
        name: 'Basic',
        auth: { type: 'basic', basic: [{ key: 'username', value: 'ada' }, { key: 'password', value: secrets.basicPassword }] },
        item: [request('/echo-json')],
      },
    ],
  };
}

export interface LeakyProject {
  ws: TempWorkspace;
  backend: TestServer;
  secrets: LeakySecrets;
  close(): Promise<void>;
}

export async function createLeakyProject(prefix: SuitePrefix, secrets: LeakySecrets): Promise<LeakyProject> {
  const backend = await startLeakyBackend(secrets.sessionToken);
  const ws = createTempWorkspace(prefix);
  ws.write('postman/collections/leaky.postman_collection.json', leakyCollection(secrets));
  ws.write('postman/environments/local.postman_environment.json', {
    name: 'Local',
    values: [
      { key: 'baseUrl', value: backend.url, enabled: true },
      { key: 'envSecret', value: secrets.envSecret, type: 'secret', enabled: true },
      { key: 'sessionToken', value: 'initial-session-placeholder', type: 'secret', enabled: true },
    ],
  });
  ws.write('.postman.json', {
    collection: 'postman/collections/leaky.postman_collection.json',
    environment: 'postman/environments/local.postman_environment.json',
    baseUrl: backend.url,
  });
  return {
    ws,
    backend,
    secrets,
    async close() {
      await backend.close();
      ws.cleanup();
    },
  };
}

export const LEAKY_SECRETS: LeakySecrets = {
  apiKey: 'PMAK-leaky0000000000000000-0000000000000000000000000000000000',
  envSecret: 'en"v\\se\tcr\'et/ñ-value',
  collectionSecret: "col'secret-Wert-ü",
  bearer: 'bearer-literal-token-0123456789',
  basicPassword: 'basic-p@ss:word-42',
  sessionToken: 'sess-fresh-token-9f8e7d6c5b4a',
};
