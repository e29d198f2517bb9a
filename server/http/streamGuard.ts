/**
 * Backpressure for every response stream (Streamable HTTP, legacy SSE, stateless, stateful, clustered): the bytes
 * written but not yet taken by the client — `res.writableLength`, the response's and its socket's buffers — are
 * bounded. When the server writes again while more than the bound is still unsent, the client is not reading:
 * the stream is ended (logged with the principal, counted) instead of buffering without limit. Unread streams
 * echoing a large progress token every second once grew the heap until the process died.
 *
 * One message larger than the bound still goes out (the check is on what is left *before* a write), so big results
 * reach slow clients; the stream is ended only if the client leaves them unread while more follows.
 *
 * Writers that honour `write()`'s return value (the SDK's Streamable HTTP transport pipes a web stream into `res`
 * and waits for 'drain') would keep the backlog in their own queue, unbounded and out of sight: the guarded `write`
 * reports success while under the bound, so the backlog of every transport is held — and bounded — here.
 */
import type { RequestHandler, Response } from 'express';
import { principalOf } from '../capabilities/principal';
import type { Logger } from '../logging/logger';

export interface StreamGuard {
  /** Guards the response of every request it sees; place it before the handlers that stream. */
  middleware: RequestHandler;
  /** Streams ended because their client did not read, since start. */
  readonly endedUnread: number;
}

export function streamGuard(maxUnsentBytes: number, logger: Logger): StreamGuard {
  let endedUnread = 0;

  const middleware: RequestHandler = (req, res, next) => {
    const write = res.write as (...args: unknown[]) => boolean;
    const end = res.end as (...args: unknown[]) => Response;
    /** Ends the stream when its client left more than the bound unread; true if it did. */
    const unread = (): boolean => {
      if (res.destroyed) return true;
      const unsent = res.writableLength;
      if (unsent <= maxUnsentBytes) return false;
      endedUnread++;
      const { subject, clientId } = principalOf(req.auth);
      logger.warn(
        {
          principal: { subject, clientId },
          requestId: res.getHeader('x-request-id'),
          path: req.path,
          unsentBytes: unsent,
          limit: maxUnsentBytes,
          endedUnread,
        },
        'stream ended: the client is not reading',
      );
      res.destroy();
      return true;
    };
    res.write = ((...args: unknown[]) => {
      if (unread()) return false;
      write.apply(res, args);
      return true;
    }) as Response['write'];
    res.end = ((...args: unknown[]) => {
      // Ending adds no data unless it carries a last chunk: a slow client still receives what is queued.
      const chunk = args[0];
      const carriesData = chunk !== undefined && chunk !== null && chunk !== '' && typeof chunk !== 'function';
      if (carriesData && unread()) return res;
      return end.apply(res, args);
    }) as Response['end'];
    next();
  };

  return {
    middleware,
    get endedUnread() {
      return endedUnread;
    },
  };
}
