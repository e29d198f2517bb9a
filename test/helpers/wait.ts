/** Bounded waits for tests: a condition that is not met in time is a failure, never a silent fall-through. */

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. Returns the time it took (ms). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
  intervalMs = 20,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started >= timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
