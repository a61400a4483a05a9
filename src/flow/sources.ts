import type { Plan } from '../event/plan.js';

/** A file that a pull request or a push changed, as the GitHub API lists it. */
export interface ChangedFile {
  filename: string;
  /** added | modified | removed | renamed | copied | changed | unchanged */
  status: string;
}

/** The source of experiment files: the GitHub API for the action, git for the local command. */
export interface FileSource {
  /** The files the plan's pull request or push changed, all pages of them. */
  changedFiles(plan: Plan): Promise<ChangedFile[]>;
  /** The file's text at a commit, or undefined when it does not exist there. */
  readFile(path: string, commit: string): Promise<string | undefined>;
}
