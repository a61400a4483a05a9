import picomatch from 'picomatch';

/** Default of the action's `experiments` input. */
export const DEFAULT_EXPERIMENTS_PATTERN = 'experiments/*.json';

/**
 * Splits the `experiments` input into globs: one per line or per comma, blanks dropped. A glob that
 * starts with `!` excludes what it matches, e.g. `experiments/*.json, !experiments/draft-*.json`.
 */
export function splitPatterns(pattern: string): { include: string[]; exclude: string[] } {
  const globs = pattern
    .split(/[\n,]/)
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');

  return {
    include: globs.filter((glob) => !glob.startsWith('!')),
    exclude: globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1)),
  };
}

/** Returns a predicate for repository-relative paths (with `/`) that the `experiments` input selects. */
export function experimentPathMatcher(pattern: string): (path: string) => boolean {
  const { include, exclude } = splitPatterns(pattern);
  const isIncluded = include.length > 0 ? picomatch(include) : () => false;
  const isExcluded = exclude.length > 0 ? picomatch(exclude) : () => false;
  return (path) => isIncluded(path) && !isExcluded(path);
}

/**
 * Selects the changed files that are experiments, from the pull request files API
 * (`status`: added, modified, renamed, copied, changed, unchanged or removed).
 * A removed file has nothing left to run, so it is skipped. A renamed file is listed under its new name
 * in `filename`, and that is the name it runs under. The result is sorted by path (UTF-16 code unit order,
 * the same on every machine) with each path once.
 */
export function matchExperimentFiles(
  files: { filename: string; status: string }[],
  pattern: string,
): { path: string; status: string }[] {
  const matches = experimentPathMatcher(pattern);
  const selected = new Map<string, string>();

  for (const file of files) {
    if (file.status === 'removed' || !matches(file.filename)) {
      continue;
    }
    selected.set(file.filename, file.status);
  }

  // The default sort compares UTF-16 code units, so it does not depend on the machine's locale.
  const paths = [...selected.keys()].sort();
  return paths.map((path) => ({ path, status: selected.get(path) ?? '' }));
}
