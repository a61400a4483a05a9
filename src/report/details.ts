import type { ExperimentResult, RunReference } from './types.js';
import type { ParameterChange } from '../comparison/types.js';
import { codeBlock, escapeCell, escapeHtml, inlineCode, markdownLink } from './escape.js';
import { formatMetric, formatParameterValue, formatRelativeDelta } from './format.js';
import { baselineValue, candidateValue } from './table.js';
import { outcomeLabel } from './verdict.js';

/** The wrapping of a section: folded in `<details>`, unfolded in `<details open>`, or none (a heading). */
export type Fold = 'folded' | 'open' | 'none';

/** Renders one line per changed parameter, in the form `LoraR: 8 → 16`, with the values as they were sent. */
function renderParameterChanges(changes: ParameterChange[]): string[] {
  if (changes.length === 0) return ['No parameter differs from main.'];

  const lines = ['**Parameters that differ from main**', ''];
  for (const change of changes) {
    const before = inlineCode(formatParameterValue(change.before));
    const after = inlineCode(formatParameterValue(change.after));
    lines.push(`- ${inlineCode(change.name)}: ${before} → ${after}`);
  }

  if (changes.length > 1) {
    lines.push(
      '',
      `> [!WARNING]\n> ${changes.length} parameters differ from main, so the delta cannot be attributed to any ` +
        'one of them: the comparison is confounded. Change one parameter per experiment to measure its effect.',
    );
  }
  return lines;
}

/** Links to a run's MLflow run and SageMaker execution, or the bare ids when there is no URL. */
function renderRunLinks(label: string, run: RunReference | undefined): string | undefined {
  if (!run) return undefined;

  const parts: string[] = [];
  const runLink = markdownLink('MLflow run', run.runUrl);
  if (runLink) parts.push(runLink);
  else if (run.parentRunId) parts.push(`MLflow run ${inlineCode(run.parentRunId)}`);

  const executionLink = markdownLink('SageMaker execution', run.executionUrl);
  if (executionLink) parts.push(executionLink);
  else if (run.executionArn) parts.push(`execution ${inlineCode(run.executionArn)}`);

  if (run.executionStatus) parts.push(`status ${escapeCell(run.executionStatus)}`);
  if (run.commitSha) parts.push(`commit ${inlineCode(run.commitSha.slice(0, 12))}`);
  if (parts.length === 0) return undefined;
  return `- ${label}: ${parts.join(' · ')}`;
}

/** Renders the body of an experiment's section (everything but its heading) as Markdown lines. */
export function renderExperimentBody(result: ExperimentResult): string[] {
  const lines: string[] = [escapeCell(result.summary), ''];

  if (result.description) lines.push(`**Description:** ${escapeCell(result.description)}`, '');

  if (result.errors.length > 0) {
    lines.push('**Validation errors**', '');
    for (const error of result.errors) {
      const place = inlineCode(`${error.file}:${error.line}:${error.column}`);
      lines.push(
        `- ${place} ${inlineCode(error.rule)}: ${escapeCell(error.message)} **Fix:** ${escapeCell(error.fix)}`,
      );
    }
    lines.push('');
  }

  if (result.failedStep) {
    lines.push(`**Failed step:** ${inlineCode(result.failedStep.name)}`, '', codeBlock(result.failedStep.reason), '');
  }

  if (result.outcome !== 'invalid') {
    lines.push(...renderParameterChanges(result.parameterChanges), '');
  }

  const runs = [renderRunLinks('PR', result.candidate), renderRunLinks('main', result.baseline)];
  const runLines = runs.filter((line): line is string => line !== undefined);
  if (runLines.length > 0) lines.push('**Runs**', '', ...runLines, '');

  const { resources } = result;
  if (resources?.instanceType || resources?.instanceCount) {
    const type = resources.instanceType ? inlineCode(resources.instanceType) : 'unknown instance type';
    const count = resources.instanceCount ?? 1;
    lines.push(`**Instances:** ${type} × ${count}`, '');
  }

  if (result.baselineNote) lines.push(`**Baseline:** ${escapeCell(result.baselineNote)}`, '');
  if (result.attempt > 1) lines.push(`Attempt ${result.attempt}.`, '');

  return lines;
}

/** Renders an experiment's one-line headline, as plain text for a `<summary>` element or a heading. */
export function experimentHeadline(result: ExperimentResult): string {
  const baseline = baselineValue(result);
  const candidate = candidateValue(result);
  const parts = [`${outcomeLabel(result.outcome)}: ${result.path}`];

  if (candidate !== undefined) {
    const values =
      baseline !== undefined
        ? `${formatMetric(baseline)} → ${formatMetric(candidate)}`
        : `${formatMetric(candidate)}`;
    const change = result.delta ? ` (${formatRelativeDelta(result.delta)})` : '';
    parts.push(`${result.metric.name} ${values}${change}`);
  }
  return parts.join(' · ').replace(/[\r\n]+/g, ' ');
}

/**
 * Renders an experiment's section. A folded section starts with `<details>` and `<summary>` lines, which are
 * raw HTML, so the headline is HTML-escaped there. The blank line after `<summary>` makes GitHub read the body
 * as Markdown again.
 */
export function renderExperimentSection(result: ExperimentResult, fold: Fold): string {
  const body = renderExperimentBody(result);
  if (fold === 'none') {
    return [`### ${escapeCell(experimentHeadline(result))}`, '', ...body].join('\n');
  }

  const open = fold === 'open' ? '<details open>' : '<details>';
  const summary = `<summary>${escapeHtml(experimentHeadline(result))}</summary>`;
  return [open, summary, '', ...body, '</details>', ''].join('\n');
}
