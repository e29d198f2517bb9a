/**
 * Structured JSON logs (pino) with a Cloud Logging-compatible `severity`, human-readable on a terminal.
 * Credentials are redacted wherever they could appear.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/contract';

export type { Logger };

/** Paths pino blanks out: tokens and cookies never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
];

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  level?: LogLevel;
  /** Pretty-print (defaults to true when stdout is a terminal and pino-pretty is installed). */
  pretty?: boolean;
  /** Destination stream (tests capture logs with it). */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    messageKey: 'message',
    formatters: {
      level: (label, number) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: number }),
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? (process.stdout.isTTY === true && canResolve('pino-pretty'));
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { messageKey: 'message', ignore: 'pid,hostname,severity' } } });
  }
  return pino(base);
}

function canResolve(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
