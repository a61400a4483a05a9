/** Levenshtein distance: the number of inserted, deleted or replaced characters that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const replaceCost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + replaceCost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Returns the candidate that `name` is most likely a typo of, or undefined when none is close.
 * A candidate that differs only in letter case always matches. Any other candidate may be at most a third of
 * its length (and at least 2) edits away.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;

  for (const candidate of candidates) {
    if (candidate.toLowerCase() === name.toLowerCase()) {
      return candidate;
    }
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const allowed = Math.max(2, Math.floor(candidate.length / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
