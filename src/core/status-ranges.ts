// Expected HTTP statuses as data: `200`, `"204"`, `"200-399"`, `"2xx"`, or a list of those.
// Shared by the config (validation) and the health check (matching).
import { z } from 'zod';

export interface StatusRange {
  min: number;
  max: number;
}

export const StatusExpectationSchema = z
  .union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()])).min(1)])
  .describe('Expected HTTP status: a code (200), a range ("200-399"), a class ("2xx"), or a list of those.');

export type StatusExpectation = z.infer<typeof StatusExpectationSchema>;

export const DEFAULT_EXPECTED_STATUS = '200-399';

function parseOne(part: number | string): StatusRange | string {
  const text = String(part).trim().toLowerCase();
  let match = /^([1-5])xx$/.exec(text);
  if (match) return { min: Number(match[1]) * 100, max: Number(match[1]) * 100 + 99 };
  match = /^(\d{3})\s*-\s*(\d{3})$/.exec(text);
  if (match) {
    const min = Number(match[1]);
    const max = Number(match[2]);
    return min <= max && min >= 100 && max <= 599 ? { min, max } : `"${part}" is not a valid range: write low-high within 100-599, e.g. "200-399"`;
  }
  if (/^\d{3}$/.test(text) && Number(text) >= 100 && Number(text) <= 599) return { min: Number(text), max: Number(text) };
  return `"${part}" is not an HTTP status: write a code (200), a range ("200-399") or a class ("2xx")`;
}

/** Parses an expectation; returns the ranges or the first problem as text. */
export function parseStatusExpectation(value: StatusExpectation = DEFAULT_EXPECTED_STATUS): StatusRange[] | string {
  const parts = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(',').filter((part) => part.trim() !== '')
      : [value];
  if (parts.length === 0) return 'an empty status expectation: write e.g. "200-399"';
  const ranges: StatusRange[] = [];
  for (const part of parts) {
    const parsed = parseOne(part);
    if (typeof parsed === 'string') return parsed;
    ranges.push(parsed);
  }
  return ranges;
}

export function statusMatches(status: number, ranges: StatusRange[]): boolean {
  return ranges.some((range) => status >= range.min && status <= range.max);
}

export function formatStatusRanges(ranges: StatusRange[]): string {
  return ranges.map((range) => (range.min === range.max ? String(range.min) : `${range.min}-${range.max}`)).join(', ');
}
