// Secrets that exist only once a run is going: a value a script assigns to a `secret`-typed variable
// (`pm.environment.set('token', …)` in a login flow), and credentials as actually sent (auth blocks
// whose values came from variables). Each new one is reported once, as soon as it is seen, so every
// later output that holds it is masked.
// The sandbox's `set` drops the variable's type (a secret becomes `any`), so secrecy follows the
// key: a key that was secret-typed in any scope stays secret in every scope for the whole run.
import { scriptValueText } from '../json-text.js';
import { authorizationHeaderSecrets, authSecrets } from '../secret-sources.js';

interface ScopeLike {
  values?: { all?: () => Array<{ key?: string; value?: unknown; type?: string }> };
  toJSON?: () => { values?: unknown };
}

interface SentRequest {
  auth?: { toJSON?: () => unknown };
  headers?: { all?: () => Array<{ key?: string; value?: string; disabled?: boolean }> };
}

function scopeValues(scope: unknown): unknown {
  if (!scope || typeof scope !== 'object') return [];
  const like = scope as ScopeLike;
  if (typeof like.values?.all === 'function') return like.values.all().map((variable) => ({ key: variable.key, value: variable.value, type: variable.type }));
  if (typeof like.toJSON === 'function') return like.toJSON().values;
  return (scope as { values?: unknown }).values;
}

interface VariableLike {
  key?: unknown;
  value?: unknown;
  type?: unknown;
}

/** The keys of the secret-typed entries of some variable lists (environment, globals, collection). */
export function secretKeysOf(...lists: unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const entry of list as VariableLike[]) if (entry?.type === 'secret' && typeof entry.key === 'string') keys.add(entry.key);
  }
  return keys;
}

export class RuntimeSecretWatcher {
  private readonly known = new Set<string>();

  constructor(
    private readonly report: ((values: string[]) => void) | undefined,
    private readonly secretKeys: Set<string> = new Set(),
  ) {}

  private learn(values: string[]): void {
    if (!this.report) return;
    const fresh = values.filter((value) => value && !this.known.has(value));
    if (!fresh.length) return;
    for (const value of fresh) this.known.add(value);
    this.report(fresh);
  }

  /** After each script: the secret-typed values of every scope the script could change. */
  afterScript(result: unknown): void {
    if (!result || typeof result !== 'object') return;
    const scopes = result as Record<string, unknown>;
    const found: string[] = [];
    for (const name of ['environment', 'globals', 'collectionVariables', '_variables']) {
      const values = scopeValues(scopes[name]);
      if (!Array.isArray(values)) continue;
      for (const variable of values as VariableLike[]) {
        if (typeof variable?.key !== 'string') continue;
        if (variable.type === 'secret') this.secretKeys.add(variable.key);
        if (this.secretKeys.has(variable.key) && variable.value !== undefined && variable.value !== null && variable.value !== '') {
          found.push(typeof variable.value === 'string' ? variable.value : (scriptValueText(variable.value) ?? ''));
        }
      }
    }
    this.learn(found);
  }

  /** After each request: the resolved auth block's credentials and the Authorization header as sent. */
  afterRequest(request: unknown): void {
    if (!request || typeof request !== 'object') return;
    const sent = request as SentRequest;
    const found: string[] = [];
    if (typeof sent.auth?.toJSON === 'function') found.push(...authSecrets(sent.auth.toJSON()));
    for (const header of sent.headers?.all?.() ?? []) {
      if (!header.disabled && header.key?.toLowerCase() === 'authorization' && typeof header.value === 'string') found.push(...authorizationHeaderSecrets(header.value));
    }
    this.learn(found);
  }
}
