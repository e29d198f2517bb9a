/**
 * Slows down token guessing: each client address may fail authentication `limit` times per window; further
 * requests from it get 429 until the window ends. Only failures count (a request that authenticates costs
 * nothing, and long-lived streams never hold a slot, unlike a request counter such as express-rate-limit's),
 * and the check happens before a token is examined, so a correct guess past the limit is not accepted either.
 * Memory is bounded: at most `maxKeys` addresses are tracked, the oldest windows are dropped first.
 */

export interface FailureLimiterOptions {
  /** Failures allowed per window and address. @default 60 */
  limit?: number;
  /** @default 60 000 */
  windowMs?: number;
  /** @default 10 000 */
  maxKeys?: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();
  readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(options: FailureLimiterOptions = {}) {
    this.limit = options.limit ?? 60;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  blockedFor(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    if (w.resetAt <= now) {
      this.windows.delete(key);
      return 0;
    }
    return w.count >= this.limit ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  recordFailure(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (w && w.resetAt > now) {
      w.count++;
      return;
    }
    this.windows.delete(key);
    while (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
    this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
  }
}
