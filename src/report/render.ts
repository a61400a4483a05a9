import type { ExperimentResult, Report } from './types.js';
import { escapeCell, inlineCode, markdownLink } from './escape.js';
import { renderExperimentSection, type Fold } from './details.js';
import { COMMENT_MAX_LENGTH, fitMarkdown, JOB_SUMMARY_MAX_LENGTH } from './limit.js';
import { renderMarker } from './marker.js';
import { renderResultsTable } from './table.js';
import { isFailure, reportHeadline } from './verdict.js';

/**
 * Failed experiments whose sections are shown unfolded in the comment, at most. With more failures than this
 * the comment would be a wall of logs, so every section stays folded.
 */
const MAX_UNFOLDED_FAILURES = 3;

export interface CommentOptions {
  /** Maximum length of the comment in UTF-8 bytes; GitHub's limit for a comment body is 65,536. */
  maxLength?: number;
  /** When the report was rendered, for the marker; defaults to now. */
  now?: Date;
}

/** Renders the line under the heading: the compared commits and the workflow run that compared them. */
function renderContext(report: Report): string {
  const parts = [`Head ${inlineCode(report.headSha.slice(0, 12))}`];
  if (report.baseSha) parts.push(`base ${inlineCode(report.baseSha.slice(0, 12))}`);
  const runLink = markdownLink('workflow run', report.workflowRunUrl);
  if (runLink) parts.push(runLink);
  return parts.join(' · ');
}

/** Renders a legend for the delta columns that names each metric's goal. */
function renderLegend(results: ExperimentResult[]): string {
  const goals = new Map<string, string>();
  for (const { metric } of results) {
    goals.set(metric.name, metric.goal === 'minimize' ? 'lower is better' : 'higher is better');
  }

  const metrics = [...goals].map(([name, goal]) => `${inlineCode(name)}: ${goal}`).join('; ');
  return (
    `<sub>${metrics}. ▼ the value went down, ▲ it went up; better or worse follows the goal. ` +
    'Allowed: ✅ within or ❌ over the regression that the experiment allows.</sub>'
  );
}

/** Failed experiments first, so a cut at the length limit drops the sections of passed experiments first. */
function sectionOrder(results: ExperimentResult[]): ExperimentResult[] {
  const failed = results.filter((result) => isFailure(result.outcome));
  const others = results.filter((result) => !isFailure(result.outcome));
  return [...failed, ...others];
}

/** Renders the report's Markdown before any cut, with each experiment's section folded as `foldOf` returns. */
function renderBody(report: Report, foldOf: (result: ExperimentResult) => Fold): string[] {
  const lines = [`## ${reportHeadline(report)}`, '', renderContext(report), ''];
  if (report.notice) lines.push(escapeCell(report.notice), '');
  if (report.results.length === 0) return lines;

  lines.push(renderResultsTable(report.results), '');
  for (const result of sectionOrder(report.results)) {
    lines.push(renderExperimentSection(result, foldOf(result)), '');
  }
  lines.push(renderLegend(report.results), '');
  return lines;
}

/** Renders the last line of a cut report, which names where the rest is. */
function cutPointer(report: Report, limitName: string): string {
  const runLink = markdownLink('workflow run', report.workflowRunUrl) ?? 'workflow run';
  return (
    `**This report is cut at ${limitName}.** The rest is in each experiment's check run and in the job ` +
    `summary of the ${runLink}.`
  );
}

/**
 * Renders the sticky pull request comment: the marker line, the verdict, the main table, and one folded
 * section per experiment. A report longer than `maxLength` is cut at a line boundary and ends with a line
 * that names where the rest is.
 */
export function renderComment(report: Report, options: CommentOptions = {}): string {
  const maxLength = options.maxLength ?? COMMENT_MAX_LENGTH;
  const now = options.now ?? new Date();

  const failures = report.results.filter((result) => isFailure(result.outcome)).length;
  const foldOf = (result: ExperimentResult): Fold =>
    isFailure(result.outcome) && failures <= MAX_UNFOLDED_FAILURES ? 'open' : 'folded';

  const marker = renderMarker({ headSha: report.headSha, updatedAt: now.toISOString() });
  const markdown = [marker, ...renderBody(report, foldOf)].join('\n');
  const pointer = cutPointer(report, `GitHub's limit of ${COMMENT_MAX_LENGTH.toLocaleString('en-US')} characters for a comment`);
  return fitMarkdown(markdown, maxLength, pointer).text;
}

/**
 * Renders the job summary of the step (`core.summary.addRaw`): the same report with every section unfolded.
 * It is cut at the job summary's limit of 1 MiB per step.
 */
export function renderSummary(report: Report, maxLength: number = JOB_SUMMARY_MAX_LENGTH): string {
  const markdown = renderBody(report, () => 'none').join('\n');
  const pointer =
    "**This job summary is cut at GitHub's limit of 1 MiB per step.** Each experiment's check run has its " +
    'own section.';
  return fitMarkdown(markdown, maxLength, pointer).text;
}
