// A project shaped like the public ones answers were measured on: a "Shop API" collection of 44
// requests in nested folders, legacy `tests[…]` / `responseCode` / `responseBody` scripts beside
// pm.* ones, variables chained from one response to the next request (a login token, created ids), a
// CSV data file, and its backend. The backend can be broken the way backends break: one field used by
// 20 requests changes format (timestamps no longer ISO 8601), plus two unrelated bugs (checkout
// answers 500; a user lacks its email).
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

/** The shop's backend; `broken` switches the three bugs on. */
export async function startShopBackend() {
  const state = { broken: false };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const send = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (url.pathname === '/health') return send(200, { status: 'ok' });
      if (url.pathname === '/auth/login') return send(200, { token: 'tok-123', expiresIn: 3600 });
      if (state.broken && url.pathname === '/orders/checkout') return send(500, { error: 'payment provider unavailable' });
      const [, resource = 'root', id] = url.pathname.split('/');
      const createdAt = state.broken ? '2026-12-04 10:00:00' : '2026-12-04T10:00:00.000Z';
      const item = { id: id ?? '42', resource, name: `${resource} ${id ?? 'new'}`, createdAt, updatedAt: createdAt, ...(state.broken && resource === 'users' && id === '7' ? {} : { email: 'someone@example.com' }) };
      if (req.method === 'POST') return send(201, item);
      if (req.method === 'DELETE') return send(204, {});
      return send(200, id || ['users', 'products', 'orders'].every((known) => known !== resource) ? item : { items: [item, { ...item, id: '43' }], total: 2 });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, state, close: () => new Promise((resolve) => server.close(resolve)) };
}

const modern = (...lines) => [{ listen: 'test', script: { exec: lines } }];
const status = (code) => `pm.test('status is ${code}', () => pm.response.to.have.status(${code}));`;
const iso = "pm.test('createdAt is ISO 8601', () => pm.expect(pm.response.json().createdAt).to.match(/^\\d{4}-\\d{2}-\\d{2}T/));";
const legacy = (...lines) => [{ listen: 'test', script: { exec: ['tests["Status code is 200"] = responseCode.code === 200;', ...lines] } }];
const legacyIso = 'var data = JSON.parse(responseBody); tests["createdAt is ISO 8601"] = /^\\d{4}-\\d{2}-\\d{2}T/.test(data.createdAt || (data.items && data.items[0].createdAt));';
const get = (name, url, event) => ({ name, request: { method: 'GET', url: `{{baseUrl}}${url}`, header: [{ key: 'Authorization', value: 'Bearer {{token}}' }] }, event });
const send = (method, name, url, event, body = { name: '{{name}}' }) => ({ name, request: { method, url: `{{baseUrl}}${url}`, header: [{ key: 'Authorization', value: 'Bearer {{token}}' }, { key: 'Content-Type', value: 'application/json' }], body: { mode: 'raw', raw: JSON.stringify(body) } }, event });

export function shopCollection() {
  const products = Array.from({ length: 14 }, (_, i) => get(`Get product ${i + 1}`, `/products/${i + 1}`, i % 2 ? legacy(legacyIso) : modern(status(200), iso)));
  return {
    info: { name: 'Shop API', schema: SCHEMA },
    item: [
      {
        name: 'Auth',
        item: [
          { name: 'Login', request: { method: 'POST', url: '{{baseUrl}}/auth/login', body: { mode: 'raw', raw: '{"user":"{{username}}"}' } }, event: modern(status(200), "pm.environment.set('token', pm.response.json().token);") },
          get('Me', '/users/me', legacy('tests["has email"] = JSON.parse(responseBody).email !== undefined;')),
        ],
      },
      {
        name: 'Users',
        item: [
          get('List users', '/users', modern(status(200), "pm.test('has items', () => pm.expect(pm.response.json().items).to.be.an('array'));")),
          send('POST', 'Create user', '/users', modern(status(201), iso, "pm.environment.set('userId', pm.response.json().id);")),
          get('Get user', '/users/{{userId}}', modern(status(200), iso)),
          get('Get user 7', '/users/7', modern(status(200), "pm.test('has email', () => pm.expect(pm.response.json()).to.have.property('email'));")),
          send('PUT', 'Update user', '/users/{{userId}}', modern(status(200), iso)),
          { name: 'Delete user', request: { method: 'DELETE', url: '{{baseUrl}}/users/{{userId}}' }, event: modern(status(204)) },
          { name: 'Admin', item: [get('List admins', '/users?role=admin', legacy(legacyIso)), get('Audit log', '/audit', legacy())] },
        ],
      },
      {
        name: 'Catalog',
        item: [
          get('List products', '/products', modern(status(200), "pm.environment.set('productId', pm.response.json().items[0].id);")),
          ...products,
          { name: 'Search', item: [get('Search by name', '/products?q={{name}}', legacy()), get('Search by tag', '/products?tag=sale', legacy()), get('Search empty', '/products?q=', legacy())] },
          { name: 'Categories', item: ['shoes', 'hats', 'bags'].map((category) => get(`Category ${category}`, `/categories/${category}`, modern(status(200), iso))) },
        ],
      },
      {
        name: 'Orders',
        item: [
          { name: 'Cart', item: [send('POST', 'Add to cart', '/cart', modern(status(201), iso), { productId: '{{productId}}' }), get('View cart', '/cart/current', legacy(legacyIso)), send('PUT', 'Change quantity', '/cart/current', modern(status(200)), { quantity: 2 })] },
          { name: 'Checkout', item: [send('POST', 'Checkout', '/orders/checkout', modern(status(201), iso, "pm.environment.set('orderId', pm.response.json().id);")), get('Get order', '/orders/{{orderId}}', modern(status(200), iso)), get('List orders', '/orders', legacy(legacyIso))] },
          { name: 'Returns', item: [send('POST', 'Start return', '/returns', modern(status(201), iso)), get('Return status', '/returns/1', modern(status(200), iso))] },
        ],
      },
      {
        name: 'Reports',
        item: ['daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'regional', 'refunds'].map((period) => get(`Sales ${period}`, `/reports/${period}`, modern(status(200), iso))).concat([get('Inventory', '/reports/inventory', legacy(legacyIso)), get('Top customers', '/reports/customers', legacy())]),
      },
    ],
  };
}

const countRequests = (items) => items.reduce((sum, item) => sum + (item.item ? countRequests(item.item) : 1), 0);

/** Writes the project into `dir`: collection, environment, data file and (when asked) .postman.json. */
export function writeShopProject(dir, baseUrl, { config = true } = {}) {
  mkdirSync(path.join(dir, 'postman', 'collections'), { recursive: true });
  mkdirSync(path.join(dir, 'postman', 'environments'), { recursive: true });
  const collection = shopCollection();
  writeFileSync(path.join(dir, 'postman', 'collections', 'Shop API.postman_collection.json'), JSON.stringify(collection, null, 2));
  writeFileSync(path.join(dir, 'postman', 'environments', 'Local.postman_environment.json'), JSON.stringify({ name: 'Local', values: [{ key: 'baseUrl', value: baseUrl, enabled: true }, { key: 'username', value: 'shopper', enabled: true }] }, null, 2));
  writeFileSync(path.join(dir, 'postman', 'users.csv'), 'name\nAda\nGrace\n');
  if (config) {
    writeFileSync(path.join(dir, '.postman.json'), JSON.stringify({ collection: 'postman/collections/Shop API.postman_collection.json', environment: 'postman/environments/Local.postman_environment.json', baseUrl, health: { path: '/health' } }, null, 2));
  }
  return { requests: countRequests(collection.item) };
}
