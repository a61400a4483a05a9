import type { Logger } from '../../../src/logging.js';

/** Returns a logger that keeps every line, so that tests can read what the code logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warning: (message) => lines.push(`warning: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    debug: (message) => lines.push(`debug: ${message}`),
    group: async (_name, body) => body(),
  };
}
