import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured logs (JSON lines on stderr, so stdout stays free for CLI output).
 * Secrets and personal data are redacted by path wherever they may appear.
 */
export function createLogger(name: string, level = process.env.EAI_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          '*.password',
          '*.secret',
          '*.token',
          '*.authorization',
          '*.email',
          '*.phone',
          'config.*.password',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
