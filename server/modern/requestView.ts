/**
 * The web `Request` the SDK v2 classifies (`isLegacyRequest`) and serves (`createMcpHandler`), as a read-only view
 * over the express request instead of a copy. Building a real `Request` and its `Headers` for every call cost more
 * than a tenth of the 2026-07-28 leg (profiled), and 2025-era requests paid it too, only to be routed. The SDK reads
 * the method, headers (`get`) and signal, and hands the object to handlers as `ctx.http.req`. The body is never read:
 * express parsed it (within MCP_MAX_BODY_BYTES) and both SDK entry points take it as `parsedBody`.
 */
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';

/** Framing headers of the body express already consumed: they describe bytes the view does not carry. */
const HIDDEN = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

const visible = (name: string) => !HIDDEN.has(name) && !name.startsWith(':');

/** The request's headers as a read-only web `Headers` (lower-case names; repeated values joined with ", "). */
export class HeadersView {
  constructor(private readonly raw: ExpressRequest['headers']) {}

  get(name: string): string | null {
    const key = name.toLowerCase();
    if (!visible(key)) return null;
    const value = this.raw[key];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  getSetCookie(): string[] {
    return [];
  }

  forEach(callback: (value: string, key: string, parent: HeadersView) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  append(): void {
    throw new TypeError('immutable: the headers of a received request');
  }

  set(): void {
    throw new TypeError('immutable: the headers of a received request');
  }

  delete(): void {
    throw new TypeError('immutable: the headers of a received request');
  }
}

/** One signal for every detached view: it never aborts. */
const NEVER_ABORTED = new AbortController().signal;

/** What the SDK reads of a request, over an express request; the signal aborts only when the client leaves early. */
export class RequestView {
  readonly method: string;
  readonly headers: HeadersView;
  private controller?: AbortController;

  /**
   * `detached`: the signal never aborts and nothing listens for the close — for a stream whose owner watches the
   * close itself (a listen stream keeps no per-stream abort wiring for its whole life).
   */
  constructor(
    private readonly req: ExpressRequest,
    private readonly res: ExpressResponse,
    private readonly options: { detached?: boolean } = {},
  ) {
    this.method = req.method;
    this.headers = new HeadersView(req.headers);
  }

  /** The parsed JSON body (what a `requestState` is bound to). */
  get parsedBody(): unknown {
    return this.req.body;
  }

  get url(): string {
    return `http://${this.req.headers.host ?? 'localhost'}${this.req.originalUrl}`;
  }

  /** Made on first use: 2025-era requests, only routed through the view, never pay for it. */
  get signal(): AbortSignal {
    if (this.options.detached) return NEVER_ABORTED;
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      // Only a client that leaves early aborts the exchange (an abort on every close costs errors per request).
      this.res.once('close', () => {
        if (!this.res.writableFinished) controller.abort();
      });
    }
    return this.controller.signal;
  }

  abort(): void {
    if (this.options.detached) return;
    void this.signal;
    this.controller!.abort();
  }

  /** The shape the SDK's signatures name; the SDK uses only the members above when given the parsed body. */
  asRequest(): globalThis.Request {
    return this as unknown as globalThis.Request;
  }
}
