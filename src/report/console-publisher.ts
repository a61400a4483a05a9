import type { PublishResult, Publisher } from '../flow/publisher.js';
import type { Logger } from '../logging.js';
import { renderComment } from './render.js';
import type { ExperimentResult, Report } from './types.js';

/** Publishes to the terminal: progress on the log, and the comment a pull request would get on stdout. */
export class ConsolePublisher implements Publisher {
  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly logger: Logger,
  ) {}

  async beginExperiment(path: string): Promise<void> {
    this.logger.info(`${path}: started`);
  }

  async endExperiment(result: ExperimentResult): Promise<void> {
    this.logger.info(`${result.path}: ${result.outcome}: ${result.summary}`);
  }

  async publish(report: Report): Promise<PublishResult> {
    const body = report.results.length > 0 ? renderComment(report) : `${report.notice ?? 'No experiments.'}\n`;
    this.stdout.write(`\n${body}\n`);
    return {};
  }
}
