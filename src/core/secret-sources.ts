// Where secrets come from, so the one SecretSet can be filled before anything is shown: `secret`-typed
// variables (environment, globals, collection), vault entries, and the credentials of every auth block
// (collection, folder, request), including the base64 of a basic-auth pair as it travels in headers.

/** Credential fields of each Postman auth type (v2.1 `auth.<type>` key/value lists). */
export const AUTH_CREDENTIAL_FIELDS: Record<string, readonly string[]> = {
  bearer: ['token'],
  basic: ['password'],
  apikey: ['value'],
  digest: ['password'],
  oauth1: ['consumerSecret', 'tokenSecret', 'token', 'privateKey'],
  oauth2: ['accessToken', 'refreshToken', 'clientSecret', 'password', 'id_token', 'idToken'],
  hawk: ['authKey'],
  awsv4: ['secretKey', 'sessionToken'],
  ntlm: ['password'],
  edgegrid: ['accessToken', 'clientToken', 'clientSecret'],
  jwt: ['secret', 'privateKey'],
  asap: ['privateKey'],
  akamai: ['accessToken', 'clientToken', 'clientSecret'],
};

interface KeyValue {
  key?: unknown;
  value?: unknown;
  type?: unknown;
}

const VARIABLE_REF = /^\{\{[^{}]+\}\}$/;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function paramsOf(block: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(block)) {
    for (const entry of block as KeyValue[]) {
      const key = text(entry?.key);
      const value = text(entry?.value);
      if (key !== undefined && value !== undefined) out[key] = value;
    }
  } else if (block && typeof block === 'object') {
    // v1 / v3 shapes: a plain object of parameters.
    for (const [key, value] of Object.entries(block)) {
      const shown = text(value);
      if (shown !== undefined) out[key] = shown;
    }
  }
  return out;
}

/** The secrets of one auth block: its credential values (not `{{references}}`), and basic's header form. */
export function authSecrets(auth: unknown): string[] {
  if (!auth || typeof auth !== 'object') return [];
  const type = text((auth as { type?: unknown }).type);
  if (!type) return [];
  const params = paramsOf((auth as Record<string, unknown>)[type]);
  const found: string[] = [];
  for (const field of AUTH_CREDENTIAL_FIELDS[type] ?? []) {
    const value = params[field];
    if (value && !VARIABLE_REF.test(value.trim())) found.push(value);
  }
  if (type === 'basic' && params.password && !VARIABLE_REF.test(params.password.trim())) {
    found.push(...basicHeaderForms(params.username ?? '', params.password));
  }
  return found;
}

/** `base64(user:password)` in the standard and URL-safe alphabets, as a basic-auth header carries it. */
export function basicHeaderForms(username: string, password: string): string[] {
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  return [encoded, encoded.replace(/=+$/, ''), Buffer.from(`${username}:${password}`, 'utf8').toString('base64url')];
}

/** Secrets in an `Authorization` header value as sent (`Bearer x`, `Basic base64`, anything else whole). */
export function authorizationHeaderSecrets(value: string): string[] {
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(value);
  if (!match) return value.trim() ? [value] : [];
  const [, scheme, credential] = match;
  const found = [credential];
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && decoded.slice(colon + 1)) found.push(decoded.slice(colon + 1));
  }
  return found;
}

/** The values of `secret`-typed variables (and vault entries) in a list of variables. */
export function secretVariableValues(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  const found: string[] = [];
  for (const entry of values as KeyValue[]) {
    const value = text(entry?.value);
    if (value === undefined || value === '') continue;
    const key = text(entry?.key) ?? '';
    if (entry?.type === 'secret' || key.startsWith('vault:')) found.push(value);
  }
  return found;
}

/**
 * Every secret a collection carries: `secret`-typed collection variables and the credentials of the
 * auth blocks of the collection, its folders and its requests. Iterative, so a deep tree cannot
 * overflow the stack.
 */
export function collectionSecrets(collection: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [collection];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    const record = node as { auth?: unknown; variable?: unknown; item?: unknown; request?: unknown };
    found.push(...authSecrets(record.auth), ...secretVariableValues(record.variable));
    if (record.request && typeof record.request === 'object') found.push(...authSecrets((record.request as { auth?: unknown }).auth));
    if (Array.isArray(record.item)) stack.push(...record.item);
  }
  return found;
}
