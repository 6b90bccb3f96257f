/**
 * The service's structured JSON logger.
 *
 * @packageDocumentation
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Log paths that are always replaced by `[redacted]`, whatever a serializer adds. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  '*.sessionSigningKey',
  '*.signingKey',
];

/**
 * Creates a pino logger writing one JSON object per line.
 *
 * @param level - minimum level written
 * @param stream - destination; stdout when absent (tests pass a stream to read lines)
 */
export function createLogger(level: LogLevel, stream?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'alicerce-app', pid: process.pid },
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream ?? pino.destination({ fd: 1, sync: true }),
  );
}
