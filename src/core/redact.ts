// The one redaction used everywhere: every text and value that leaves the server (tool results,
// resources, logs, reports, errors) goes through a SecretSet, so a secret that reaches an output by
// a path nobody thought of is still masked.

const MIN_SECRET_LENGTH = 4;

/** `****abcd`: at most the last 4 characters, none for short secrets. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `****${secret.slice(-4)}` : '****';
}

export class SecretSet {
  private readonly secrets = new Set<string>();

  add(...values: Array<string | undefined | null>): this {
    for (const value of values) {
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
    }
    return this;
  }

  has(value: string): boolean {
    return this.secrets.has(value);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Masks every known secret in a string, longest first so a secret inside another is not half-masked. */
  redactText(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    let out = text;
    const ordered = [...this.secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) {
      if (out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
      // Secrets also travel URL-encoded (query strings) and JSON-escaped (a body echoing a header).
      for (const form of [encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
        if (form !== secret && out.includes(form)) out = out.split(form).join(maskSecret(secret));
      }
    }
    return out;
  }

  /** Deep copy with every string redacted; keys are kept. */
  redact<T>(value: T): T {
    return redactValue(value, this) as T;
  }
}

function redactValue(value: unknown, set: SecretSet): unknown {
  if (typeof value === 'string') return set.redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, set));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item, set);
    return out;
  }
  return value;
}
