/**
 * Ending the process without hanging on a blocked stdout. `process.exit` runs the logger's exit hook, which writes
 * what is still buffered synchronously and retries for as long as stdout does not take it — forever, if nobody
 * reads the pipe, with signals no longer handled. So: flush asynchronously for a bounded time, then end the
 * process without the exit hooks.
 */
import type { Logger } from '../logging/logger';

/** How long the last log lines may take to reach stdout before the process exits without them. */
export const LOG_FLUSH_BOUND_MS = 1000;

let exiting = false;

/** Exits with `code` once the logger's buffer is written, or after `LOG_FLUSH_BOUND_MS` regardless. */
export function exitAfterFlush(logger: Logger, code: number): void {
  if (exiting) return;
  exiting = true;
  setTimeout(() => exitNow(code), LOG_FLUSH_BOUND_MS);
  try {
    // Everything written: `process.exit` has nothing left to flush, its other exit hooks run as usual.
    logger.flush(() => process.exit(code));
  } catch {
    // A destination that cannot flush: the timer exits.
  }
}

/** Ends the process at once with `code`, skipping `exit` hooks (the logger's synchronous flush among them). */
export function exitNow(code: number): void {
  // `process.reallyExit` is what `process.exit` calls after the `exit` event; signal-exit and others use it too.
  (process as unknown as { reallyExit(code: number): void }).reallyExit(code);
}
