import * as core from '@actions/core';

/**
 * The log the flow writes to: the workflow log (with collapsible groups) in the action, plain lines on
 * stderr in the local command. Messages never contain a secret or a token.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

export const actionsLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  debug: (message) => core.debug(message),
  group: (name, body) => core.group(name, body),
};

/** Create a logger for the command line that writes to stderr, so stdout carries only the report. */
export function consoleLogger(verbose = false): Logger {
  const write = (prefix: string, message: string) => process.stderr.write(`${prefix}${message}\n`);
  return {
    info: (message) => write('', message),
    warning: (message) => write('warning: ', message),
    error: (message) => write('error: ', message),
    debug: (message) => {
      if (verbose) write('debug: ', message);
    },
    group: async (name, body) => {
      write('', `== ${name}`);
      return body();
    },
  };
}

/** Return the message of any thrown value, so that no failure is reported as "undefined" or lost. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
