/**
 * Drain state: after SIGTERM the server reports not-ready, refuses new sessions and streams, tells open
 * streams to reconnect elsewhere, and waits for in-flight calls — up to a deadline.
 */
import type { RequestHandler } from 'express';
import { instruments } from '../observability/instruments';

type StreamCloser = () => void;

/** `mcp.stream.kind` of a drained stream: a 2025 standalone GET stream, or a 2026-07-28 `subscriptions/listen`. */
export type DrainedStreamKind = 'get' | 'listen';

export class DrainController {
  private _draining = false;
  private inFlight = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly streams = new Set<StreamCloser>();

  get draining(): boolean {
    return this._draining;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Marks one call as in flight; the returned function (idempotent) marks it done. */
  beginCall(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const w of [...this.idleWaiters]) w();
    };
  }

  /** Counts a request as in flight until its response is finished or its connection closes. */
  readonly track: RequestHandler = (_req, res, next) => {
    const finish = this.beginCall();
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };

  /**
   * Registers a long-lived stream (a GET SSE stream) that carries no call of its own: it does not hold up the
   * drain; it is closed with a reconnect hint when the drain starts. Returns the unregister function. The stream
   * is counted in the open-streams metric by `kind` until then.
   */
  registerStream(close: StreamCloser, kind: DrainedStreamKind = 'get'): () => void {
    this.streams.add(close);
    const attributes = { 'mcp.stream.kind': kind };
    instruments().openStreams.add(1, attributes);
    let open = true;
    return () => {
      if (open) instruments().openStreams.add(-1, attributes);
      open = false;
      return this.streams.delete(close);
    };
  }

  /** Starts draining; resolves when no request is in flight or the deadline passes (`true` if all finished). */
  async drain(deadlineMs: number): Promise<boolean> {
    this._draining = true;
    for (const close of [...this.streams]) close();
    this.streams.clear();
    if (this.inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(waiter);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(waiter);
        resolve(false);
      }, deadlineMs);
      this.idleWaiters.add(waiter);
    });
  }
}
