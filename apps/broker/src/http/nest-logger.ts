import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@fedgate/logging';

/** Sends Nest's own messages to pino; its chatty start-up lines go to debug. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown): void {
    this.logger.debug({ component: 'nest' }, String(message));
  }
  error(message: unknown, trace?: string): void {
    this.logger.error({ component: 'nest', trace }, String(message));
  }
  warn(message: unknown): void {
    this.logger.warn({ component: 'nest' }, String(message));
  }
  debug(message: unknown): void {
    this.logger.debug({ component: 'nest' }, String(message));
  }
  verbose(message: unknown): void {
    this.logger.trace({ component: 'nest' }, String(message));
  }
}
