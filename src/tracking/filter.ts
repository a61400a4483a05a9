import { Tag } from './tags.js';
import type { RunStatus } from './types.js';

/**
 * Builders of MLflow runs/search filters. Every key and value goes through them, so that a tag key with
 * `.`, `-` or `:` and a value with quotes or backslashes cannot change the meaning of a filter.
 *
 * MLflow's parser (mlflow/utils/search_utils.py with sqlparse, MLflow 3.17.2) has no escape sequences: a
 * quoted value is the text between its quotes, `'it''s'` means the five characters `it''s`, and a backslash
 * before a quote makes sqlparse read past the closing quote. So a value is put in single quotes when it
 * contains none, in double quotes when it contains single quotes only, and rejected when neither quote is
 * safe. A test against the real parser checks this rule on generated values.
 *
 * No builder emits `IS NULL` or `IS NOT NULL` on run tags: MLflow 3.17.2 accepts them, but they were added
 * to runs/search only in March 2026, and managed tracking servers often run older releases.
 */

const COMMIT_SHA = /^[0-9a-f]{40}$/;

/**
 * Validates a full Git commit SHA and returns it in lower case, the form that Git and GitHub write.
 * A short SHA or a branch name would match no run, so it is rejected before it reaches a filter or a tag.
 */
export function validateCommitSha(sha: string): string {
  const normalized = sha.trim().toLowerCase();
  if (!COMMIT_SHA.test(normalized)) {
    throw new Error(
      `Commit SHA ${JSON.stringify(sha)} is not 40 hexadecimal digits; pass the full SHA of the commit ` +
        '(for example pull_request.head.sha), not a short SHA, a branch name or a ref.',
    );
  }
  return normalized;
}

/** Quotes a tag or param key with backticks, which MLflow requires for keys with `.`, `-`, `:` or spaces. */
export function quoteKey(key: string): string {
  if (key === '' || key.includes('`')) {
    throw new Error(`MLflow filter key ${JSON.stringify(key)} is empty or contains a backtick, which MLflow cannot quote; rename the tag.`);
  }
  return `\`${key}\``;
}

/** Quotes a string value for an MLflow filter, by the rule in this file's header. */
export function quoteValue(value: string): string {
  // A trailing backslash followed by the closing quote reads as an escaped quote to sqlparse.
  const endsWithBackslash = value.endsWith('\\');
  if (!value.includes("'") && !endsWithBackslash) return `'${value}'`;
  if (!value.includes('"') && !endsWithBackslash) return `"${value}"`;
  throw new Error(
    `MLflow filter value ${JSON.stringify(value)} cannot be quoted: MLflow filters have no escape sequences, so a value ` +
      'may not contain both single and double quotes or end with a backslash; change the value.',
  );
}

/** Builds `tags.\`key\` = 'value'`. A value for the commit tag must be a full SHA. */
export function tagEquals(key: string, value: string | number): string {
  let text = String(value);
  if (key === Tag.commit) text = validateCommitSha(text);
  return `tags.${quoteKey(key)} = ${quoteValue(text)}`;
}

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** String attributes that MLflow's runs/search accepts with `=`. */
export type StringAttribute = 'status' | 'run_name' | 'run_id' | 'user_id';

/** Builds `attributes.name = 'value'`. A status must be one of MLflow's RunStatus values. */
export function attributeEquals(name: StringAttribute, value: string): string {
  if (name === 'status' && !RUN_STATUSES.some((status) => status === value)) {
    throw new Error(`MLflow run status ${JSON.stringify(value)} is unknown; use one of ${RUN_STATUSES.join(', ')}.`);
  }
  return `attributes.${name} = ${quoteValue(value)}`;
}

/** Joins clauses with `and`, MLflow's only boolean operator in runs/search filters. */
export function and(...clauses: string[]): string {
  const present = clauses.filter((clause) => clause.trim() !== '');
  return present.join(' and ');
}
