// Client and property names, and nearest-name suggestions for misspelt ones.

/**
 * A client (component instance) name: dot- or `::`-separated identifiers, e.g.
 * `ToolSvc.Fitter`, optionally starting with `::` as in Gaudi.
 */
export const CLIENT_NAME = /^(?:::)?[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::)[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A property name: one identifier. */
export const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits `A.B.Prop` into client `A.B` and property `Prop`: as in Gaudi, the last dot
 * separates the property. Returns undefined when there is no dot.
 */
export function splitKey(key: string): { client: string; property: string } | undefined {
  const dot = key.lastIndexOf('.');
  if (dot <= 0 || dot === key.length - 1) return undefined;
  return { client: key.slice(0, dot), property: key.slice(dot + 1) };
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate nearest to `name`, or undefined when none is close enough to be a likely
 * misspelling. A case-insensitive match wins; otherwise the smallest edit distance, at
 * most a third of the name's length (at least 1, at most 3).
 */
export function suggestNearest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "X"?)`, or an empty string when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const nearest = suggestNearest(name, candidates);
  return nearest === undefined ? '' : ` (did you mean "${nearest}"?)`;
}
