import { LoggerService } from '@backstage/backend-plugin-api';

/** A LoggerService that records every line (level + message + meta) for assertions. */
export function captureLogger(): {
  logger: LoggerService;
  lines: string[];
  text(): string;
} {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, meta?: Error | object): void => {
      lines.push(
        `${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`,
      );
    };
  const logger: LoggerService = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: () => logger,
  };
  return { logger, lines, text: () => lines.join('\n') };
}
