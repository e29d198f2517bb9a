/**
 * What of an error may reach a log line: its type, message, code and stack (and the same of its cause) — never
 * the extra fields libraries attach. ioredis, for one, puts the failed command on its errors (`command.args`),
 * and for `AUTH` those arguments are the store's password.
 */
export interface SafeError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: SafeError;
}

/** Bounds the `cause` chain (and a cycle in it). */
const MAX_CAUSES = 3;

export function safeError(err: unknown, depth = 0): SafeError {
  if (typeof err !== 'object' || err === null) return { type: typeof err, message: String(err) };
  const e = err as {
    name?: unknown;
    type?: unknown;
    message?: unknown;
    code?: unknown;
    stack?: unknown;
    cause?: unknown;
  };
  const out: SafeError = {
    type:
      typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : (err.constructor?.name ?? 'Error'),
    message: typeof e.message === 'string' ? e.message : '',
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.stack === 'string') out.stack = e.stack;
  if (e.cause !== undefined && depth < MAX_CAUSES) out.cause = safeError(e.cause, depth + 1);
  return out;
}
