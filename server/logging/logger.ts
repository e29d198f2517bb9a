/**
 * Structured JSON logs (pino) with a Cloud Logging-compatible `severity`, human-readable on a terminal.
 * Credentials are redacted wherever they could appear.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/contract';
import { safeError } from './safeError';

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
    // Errors are logged without the fields libraries attach (a Redis error carries its command, AUTH's password).
    serializers: { err: safeError },
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? (process.stdout.isTTY === true && canResolve('pino-pretty'));
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { messageKey: 'message', ignore: 'pid,hostname,severity' } },
    });
  }
  return pino(base, stdoutDestination());
}

/** Log lines waiting for a blocked stdout beyond this are dropped (memory stays bounded). */
const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024;

/**
 * Asynchronous writes to stdout with a bounded buffer: a reader that stops reading (a full pipe) never blocks the
 * server, and the buffer cannot grow without limit. See `lifecycle/exit.ts` for exiting without waiting on it.
 */
function stdoutDestination(): pino.DestinationStream {
  // minLength 1: each line is written at once, and `flush(cb)` waits until the buffer is written.
  return pino.destination({ dest: 1, sync: false, minLength: 1, maxLength: MAX_PENDING_LOG_BYTES });
}

function canResolve(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
