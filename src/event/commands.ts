import { DEFAULT_EXPERIMENTS_PATTERN, experimentPathMatcher } from '../experiments/match.js';
import type { Plan } from './plan.js';

/*
 * The comment commands of the bot. What counts as a command, and why:
 *
 * - A command is a line of its own that starts with `/` and a command word. Text
 *   before it on the same line makes it prose ("please /rerun this"), so it is not a command.
 * - Leading and trailing spaces are allowed, up to 3 leading spaces: Markdown renders a line indented by 4
 *   spaces or a tab after a blank line as an indented code block, so such a line shows a command rather than
 *   gives it, and it is ignored wherever it is.
 * - Lines inside fenced code blocks (``` or ~~~), quoted lines (`> /rerun`) and HTML comments are ignored,
 *   because people quote and document commands there without meaning to run them.
 * - The command word is matched without regard to case (`/Rerun` runs), because phone keyboards capitalize
 *   the first letter of a line. Atlantis matches its executable name case-sensitively; no two commands here
 *   differ only in case, so accepting both costs nothing. Paths stay case-sensitive, as git's are.
 * - Everything after the command word on its line is its arguments: `/rerun experiments/a.json thanks` names
 *   the path "thanks", which fails validation with its reason rather than being dropped silently.
 * - A comment runs one command: the first command line. Later command lines are returned in `ignored`, so the
 *   caller can say that they did not run. One command per comment keeps one reaction per outcome.
 * - A word that is not a command gets a reply only when it is close to one (`/rerum`): other bots own words
 *   such as `/lgtm`, `/assign` or `/hold`, and replying to each of them would flood the pull request.
 */

/** The commands of the bot, as typed after the slash. */
export const COMMANDS = ['rerun', 'help'] as const;

export type Command = (typeof COMMANDS)[number];

/** Words that people type from habit with other bots (Prow's `/retest`), each mapped to the command they mean. */
const HABITS: Record<string, Command> = { retest: 'rerun', retry: 'rerun', 'rerun-failed': 'rerun' };

/** Selection of the experiments that a `/rerun` runs, as the plan carries it. */
export type RerunSelection = Plan['selection'];

/**
 * The command a comment gives. `line` is the command line as written (trimmed), for replies; `ignored` are
 * the command lines after the first, which do not run.
 */
export type ParsedComment =
  | { kind: 'none' }
  | { kind: 'rerun'; line: string; selection: RerunSelection; ignored: string[] }
  | { kind: 'help'; line: string; ignored: string[] }
  | { kind: 'unknown'; line: string; word: string; suggestion: Command; ignored: string[] }
  /** A `/rerun` whose arguments were rejected, each problem naming the argument and the reason. */
  | { kind: 'invalid'; line: string; command: Command; problems: string[]; ignored: string[] };

/** A command line of a comment: the word after the slash, lower-cased, and its arguments. */
interface CommandLine {
  text: string;
  word: string;
  arguments: string;
}

/** `/word` then whitespace and arguments, or the end; `/usr/bin/x` and `/path` inside prose do not match. */
const COMMAND_LINE = /^ {0,3}\/([A-Za-z][A-Za-z-]*)(?:[ \t]+(.*?))?[ \t]*$/;

/** Opening or closing code fence: 3 or more backticks or tildes, indented at most 3 spaces (CommonMark). */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Returns the lines of `body` that Markdown shows as text, with fenced code, quotes and HTML comments left out. */
function textLines(body: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  let inHtmlComment = false;

  for (const line of body.split(/\r\n|\r|\n/)) {
    if (fence !== undefined) {
      // A fence closes with a line of at least as many of the same character and nothing else.
      const match = FENCE.exec(line);
      if (match?.[1] && match[1][0] === fence[0] && match[1].length >= fence.length && line.trim() === match[1]) fence = undefined;
      continue;
    }
    if (inHtmlComment) {
      if (line.includes('-->')) inHtmlComment = false;
      continue;
    }

    const opening = FENCE.exec(line);
    if (opening?.[1]) {
      fence = opening[1];
      continue;
    }
    if (line.trimStart().startsWith('<!--')) {
      inHtmlComment = !line.includes('-->');
      continue;
    }
    if (/^ {0,3}>/.test(line)) continue;
    lines.push(line);
  }
  return lines;
}

function commandLines(body: string): CommandLine[] {
  const found: CommandLine[] = [];
  for (const line of textLines(body)) {
    const match = COMMAND_LINE.exec(line);
    if (match?.[1]) found.push({ text: line.trim(), word: match[1].toLowerCase(), arguments: match[2] ?? '' });
  }
  return found;
}

/**
 * Optimal string alignment distance: insertions, deletions, replacements and swaps of two neighboring
 * characters, each costing 1, so that the common typo `/reurn` is one edit from `/rerun`.
 */
function typoDistance(a: string, b: string): number {
  // rows[i][j] is the distance between the first i characters of `a` and the first j of `b`.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : 0)));
    (rows[i] as number[])[0] = i;
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i] as number[];
      const previous = rows[i - 1] as number[];
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] ?? 0, ((rows[i - 2] as number[])[j - 2] ?? 0) + 1);
      }
    }
  }
  return (rows[a.length] as number[])[b.length] ?? 0;
}

/**
 * Returns the command that `word` is most likely a typo of. A word of 4 letters or fewer may be 1 edit away,
 * a longer one 2, so that `/hold` (Prow's) is not taken for `/help` while `/rerum` is taken for `/rerun`.
 */
export function suggestCommand(word: string): Command | undefined {
  const habit = HABITS[word];
  if (habit) return habit;

  let best: Command | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const command of COMMANDS) {
    const distance = typoDistance(word, command);
    const allowed = command.length <= 4 ? 1 : 2;
    if (distance <= allowed && distance < bestDistance) {
      best = command;
      bestDistance = distance;
    }
  }
  return best;
}

/** Splits arguments on whitespace and commas; a quoted or backticked argument keeps its spaces. */
function splitArguments(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|`([^`]*)`|([^\s,]+)/g)) {
    const token = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

/**
 * Checks one path argument of `/rerun` and returns it in normal form (`./` removed), or the reason it was
 * rejected. Paths are relative to the repository root and must be selected by the `experiments` input, so a
 * comment can name only files that the action would run anyway.
 */
export function validateExperimentPath(argument: string, pattern: string): { path: string } | { problem: string } {
  const quotedArgument = `\`${argument}\``;
  if (argument.includes('\\')) {
    return { problem: `${quotedArgument} contains a backslash; write paths with forward slashes, as git does` };
  }
  if (argument.startsWith('/') || /^[A-Za-z]:/.test(argument) || argument.startsWith('~')) {
    return { problem: `${quotedArgument} is an absolute path; name the file relative to the repository root, e.g. \`experiments/name.json\`` };
  }

  const segments = argument.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    return { problem: `${quotedArgument} contains \`..\`; name the file by its path from the repository root, without \`..\`` };
  }
  const path = segments.join('/');
  if (!experimentPathMatcher(pattern)(path)) {
    return { problem: `${quotedArgument} is not an experiment file: it does not match the \`experiments\` input \`${pattern.trim()}\` of the workflow` };
  }
  return { path };
}

function parseRerun(line: CommandLine, pattern: string, ignored: string[]): ParsedComment {
  const tokens = splitArguments(line.arguments);
  const invalid = (problems: string[]): ParsedComment => ({ kind: 'invalid', line: line.text, command: 'rerun', problems, ignored });
  if (tokens.length === 0 || (tokens.length === 1 && tokens[0]?.toLowerCase() === 'all')) {
    return { kind: 'rerun', line: line.text, selection: { kind: 'changed' }, ignored };
  }

  if (tokens.some((token) => token.toLowerCase() === 'failed')) {
    if (tokens.length === 1) return { kind: 'rerun', line: line.text, selection: { kind: 'failed' }, ignored };
    return invalid(['`failed` takes no paths: comment `/rerun failed` alone, or `/rerun` with the paths to run']);
  }

  const paths: string[] = [];
  const problems: string[] = [];
  for (const token of tokens) {
    const checked = validateExperimentPath(token, pattern);
    if ('problem' in checked) problems.push(checked.problem);
    else if (!paths.includes(checked.path)) paths.push(checked.path);
  }
  if (problems.length > 0) return invalid(problems);
  return { kind: 'rerun', line: line.text, selection: { kind: 'paths', paths }, ignored };
}

/**
 * Finds the bot's command in a pull request comment. `pattern` is the `experiments` input, which the paths
 * of `/rerun <paths>` must match.
 */
export function parseCommands(body: string, pattern: string = DEFAULT_EXPERIMENTS_PATTERN): ParsedComment {
  const lines = commandLines(body);
  const ours = lines.filter((line) => (COMMANDS as readonly string[]).includes(line.word) || suggestCommand(line.word) !== undefined);
  const [first, ...rest] = ours;
  if (!first) return { kind: 'none' };

  const ignored = rest.map((line) => line.text);
  if (first.word === 'rerun') return parseRerun(first, pattern, ignored);
  if (first.word === 'help') return { kind: 'help', line: first.text, ignored };

  // Only words with a suggestion are kept above, so the fallback is never used.
  const suggestion = suggestCommand(first.word) ?? 'help';
  return { kind: 'unknown', line: first.text, word: first.word, suggestion, ignored };
}

/** Builds the usage text of the commands; `docsUrl` is where the README describes them. */
export function usageText(pattern: string, docsUrl: string): string {
  return [
    'Comment one of these on the pull request, on a line of its own:',
    '',
    '| Command | What it runs |',
    '| --- | --- |',
    '| `/rerun` | every experiment that the pull request changes, again, at its current head commit |',
    `| \`/rerun experiments/a.json experiments/b.json\` | the named experiment files (paths from the repository root that match \`${pattern.trim()}\`) |`,
    '| `/rerun failed` | the experiments whose check failed on the head commit |',
    '| `/help` | this message |',
    '',
    'Only people with write access to the repository can run experiments. Commands in quotes or code blocks are ignored, and a comment runs its first command only.',
    '',
    `Documentation: ${docsUrl}`,
  ].join('\n');
}
