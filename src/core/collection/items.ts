// Counting a collection's items: plain functions of its JSON, with no engine or zod behind them
// (heap-limits.ts uses them, and the light run-process spawn the launcher loads imports that).
/** Requests in a list of items, folders included. */
export function countRequests(items: unknown[]): number {
  let count = 0;
  for (const item of items as Array<{ item?: unknown[] }>) count += Array.isArray(item.item) ? countRequests(item.item) : 1;
  return count;
}

/** Iterations of a run: as asked, else one per data row, at least one. */
export function iterationCount(input: { iterations?: number; data?: unknown[] }): number {
  return Math.max(1, input.iterations ?? (input.data?.length || 1));
}
