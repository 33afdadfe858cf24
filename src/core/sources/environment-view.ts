// What get_environment shows: every value with its type, secrets and vault-backed values masked.
import { z } from 'zod';
import type { EnvironmentJson } from '../collection/json.js';
import { SourceInfoSchema, type SourceInfo } from './outline.js';

export const EnvironmentViewSchema = z.object({
  name: z.string(),
  source: SourceInfoSchema,
  values: z.array(
    z.object({
      key: z.string(),
      value: z.string().describe('"****" for secret values'),
      type: z.string().describe('default | secret | …'),
      enabled: z.boolean(),
      masked: z.boolean().optional(),
      vault: z.boolean().optional().describe('Backed by the Postman Vault: the value is not available here'),
    }),
  ),
  counts: z.object({ total: z.number(), enabled: z.number(), secret: z.number() }),
});
export type EnvironmentView = z.infer<typeof EnvironmentViewSchema>;

const VAULT_RE = /^\{\{vault:[^}]+\}\}$/;

export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isSecretEntry(entry: { type?: string }): boolean {
  return entry.type === 'secret';
}

export function viewEnvironment(environment: EnvironmentJson, source: SourceInfo): EnvironmentView {
  const values = environment.values.map((entry) => {
    const raw = valueText(entry.value);
    const secret = isSecretEntry(entry);
    const vault = VAULT_RE.test(raw) || (secret && entry.value === undefined);
    return {
      key: entry.key,
      value: secret || vault ? (raw || vault ? '****' : '') : raw,
      type: entry.type ?? 'default',
      enabled: entry.enabled !== false && (entry as { disabled?: unknown }).disabled !== true,
      ...(secret ? { masked: true } : {}),
      ...(vault ? { vault: true } : {}),
    };
  });
  return {
    name: environment.name,
    source,
    values,
    counts: { total: values.length, enabled: values.filter((v) => v.enabled).length, secret: values.filter((v) => v.masked).length },
  };
}
