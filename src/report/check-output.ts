import type { ExperimentResult, Report } from './types.js';
import { escapeCell, truncate } from './escape.js';
import { experimentHeadline, renderExperimentBody } from './details.js';
import { CHECK_OUTPUT_MAX_LENGTH, fitMarkdown } from './limit.js';
import { renderResultsTable } from './table.js';
import { aggregateConclusion, countOutcomes } from './verdict.js';

/**
 * Maximum check run title, in characters. The REST API description gives no limit for `output.title`, so
 * this borrows its 255-character limit for an annotation's title; GitHub shows a title on one line anyway.
 */
export const CHECK_TITLE_MAX_CHARACTERS = 255;

/** The `output` object of a check run, without annotations. */
export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

const CHECK_POINTER =
  "**This check run's summary is cut at GitHub's limit of 65,535 characters.** The job summary of the " +
  'workflow run has the whole report.';

/** Makes a title one line of at most 255 characters. */
function checkTitle(text: string): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), CHECK_TITLE_MAX_CHARACTERS);
}

/**
 * Renders the output of one experiment's check run: its headline as the title, and its section of the report
 * (summary, validation errors, failed step and its reason, parameter changes, runs) as the summary.
 */
export function renderCheckOutput(result: ExperimentResult): CheckOutput {
  const title = checkTitle(result.summary || experimentHeadline(result));
  const markdown = [`**${experimentHeadline(result)}**`, '', ...renderExperimentBody(result)].join('\n');
  return { title, summary: fitMarkdown(markdown, CHECK_OUTPUT_MAX_LENGTH, CHECK_POINTER).text };
}

/** Returns the aggregate check's title, which branch protection shows next to the check's name. */
function aggregateTitle(report: Report): string {
  const { results } = report;
  if (results.length === 0) return 'No experiments changed';

  switch (aggregateConclusion(results)) {
    case 'success':
      return checkTitle(`All ${results.length} experiments passed`);
    case 'failure':
      return checkTitle(`Failed: ${countOutcomes(results)}`);
    case 'action_required':
      return checkTitle(`Not started: a maintainer may comment /rerun (${countOutcomes(results)})`);
    default:
      return checkTitle(countOutcomes(results));
  }
}

/** Renders one list item per experiment, for example `❌ regressed: experiments/a.json · eval_perplexity 12.1 → 12.5 (…)`. */
function aggregateLine(result: ExperimentResult): string {
  return `- ${escapeCell(experimentHeadline(result))}`;
}

/**
 * Renders the output of the aggregate check: the verdict as the title, and the main table with one line per
 * experiment as the summary. With no experiment changes, the title is "No experiments changed".
 */
export function renderAggregateOutput(report: Report): CheckOutput {
  const title = aggregateTitle(report);
  if (report.results.length === 0) {
    const summary = escapeCell(report.notice ?? 'No experiment file changed in this pull request, so nothing was run.');
    return { title, summary };
  }

  const markdown = [renderResultsTable(report.results), ''].join('\n');
  const summary = fitMarkdown(markdown, CHECK_OUTPUT_MAX_LENGTH, CHECK_POINTER).text;
  const text = fitMarkdown(report.results.map(aggregateLine).join('\n'), CHECK_OUTPUT_MAX_LENGTH, CHECK_POINTER);
  return { title, summary, text: text.text };
}
