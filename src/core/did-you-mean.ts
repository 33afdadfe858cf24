// "Did you mean": the candidates closest to a name that matched nothing (tool arguments, folders,
// requests), by containment or a small edit distance.

/** Names close to `wanted` (same start, containment, or a small edit distance), for "did you mean". */
export function closeMatches(wanted: string, candidates: string[], most = 5): string[] {
  const target = wanted.toLowerCase();
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  return [...new Set(candidates)]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const limit = Math.max(2, Math.floor(candidate.length / 3));
      // The distance is at least the difference in length: a name far longer is not measured (a huge input costs nothing).
      const score = Math.abs(target.length - lower.length) > limit ? Number.POSITIVE_INFINITY : distance(target, lower);
      return { candidate, score, limit, contains: lower.includes(target) || target.includes(lower) };
    })
    .filter(({ score, limit, contains }) => contains || score <= limit)
    .sort((a, b) => a.score - b.score)
    .slice(0, most)
    .map(({ candidate }) => candidate);
}

