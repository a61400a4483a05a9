import { markdownTable } from 'markdown-table';

import type { ExperimentResult } from './types.js';
import { escapeCell, inlineCode, truncate } from './escape.js';
import { formatAbsoluteDelta, formatMetric, formatRelativeDelta, isComparable, NOT_AVAILABLE } from './format.js';
import { outcomeLabel } from './verdict.js';

/** Maximum description shown in a table cell, in characters. The experiment's section shows it whole. */
const DESCRIPTION_MAX_CHARACTERS = 200;

const HEADER = ['Experiment', 'Metric', 'main', 'PR', 'Δ', 'Δ %', 'Allowed', 'Status'];

/** Returns the baseline's value: from the delta when there is one, else from the baseline run. */
export function baselineValue(result: ExperimentResult): number | undefined {
  return result.delta?.baseline ?? result.baseline?.value;
}

/** Returns the pull request's value: from the delta when there is one, else from the pull request's run. */
export function candidateValue(result: ExperimentResult): number | undefined {
  return result.delta?.candidate ?? result.candidate?.value;
}

/** `n/a` when there are values but no finite delta, and `–` when there is nothing to compare. */
function missingDelta(result: ExperimentResult): string {
  return baselineValue(result) !== undefined && candidateValue(result) !== undefined ? NOT_AVAILABLE : '–';
}

/** ✅ when the change stays within the allowed regression, ❌ when it exceeds it. */
export function allowedCell(result: ExperimentResult): string {
  const { delta } = result;
  if (!delta || !isComparable(delta)) return '–';
  return delta.withinAllowed ? '✅ within' : '❌ over';
}

/** Renders the experiment's first cell: its path, and its description below it. */
function experimentCell(result: ExperimentResult): string {
  const path = inlineCode(result.path, { inTable: true });
  if (!result.description) return path;
  return `${path}<br>${escapeCell(truncate(result.description, DESCRIPTION_MAX_CHARACTERS))}`;
}

/** Renders the cells of one experiment's row, each escaped, always as many as the header has. */
export function experimentRow(result: ExperimentResult): string[] {
  const { delta } = result;
  return [
    experimentCell(result),
    inlineCode(result.metric.name, { inTable: true }),
    formatMetric(baselineValue(result)),
    formatMetric(candidateValue(result)),
    delta ? formatAbsoluteDelta(delta) : missingDelta(result),
    delta ? formatRelativeDelta(delta) : missingDelta(result),
    allowedCell(result),
    outcomeLabel(result.outcome),
  ];
}

/**
 * Renders the main table: one row per experiment with the metric on main and on the pull request, the
 * absolute and relative delta, whether the change is within the allowed regression, and the outcome.
 */
export function renderResultsTable(results: ExperimentResult[]): string {
  const rows = [HEADER, ...results.map(experimentRow)];
  // Aligned delimiters would pad every cell to its column's width, which costs characters of the comment's
  // limit for nothing that GitHub shows.
  return markdownTable(rows, { align: ['l', 'l', 'r', 'r', 'r', 'r', 'c', 'l'], alignDelimiters: false });
}
