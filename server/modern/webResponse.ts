/**
 * Writes a web `Response` from the SDK v2 handler to an express response: JSON in one write, SSE streamed with
 * backpressure. Error bodies pass through `patchError` (the SDK's -32022 lists only 2026-07-28; we serve more).
 */
import { once } from 'node:events';
import type { Response as ExpressResponse } from 'express';
import { SERVED_PROTOCOL_VERSIONS } from './versions';

const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export async function writeWebResponse(response: Response, res: ExpressResponse): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') res.setHeader(name, value);
  });
  if (!response.body) {
    res.end();
    return;
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    res.flushHeaders();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    } finally {
      reader.cancel().catch(() => undefined);
      if (!res.writableEnded) res.end();
    }
    return;
  }
  const body = await response.text();
  res.end(response.status >= 400 && type.includes('json') ? patchError(body) : body);
}

/** Lists every revision this server serves in an unsupported-version error (`data.supported`). */
export function patchError(body: string): string {
  try {
    const message = JSON.parse(body) as { error?: { code?: number; message?: string; data?: { supported?: unknown } } };
    if (message.error?.code !== UNSUPPORTED_PROTOCOL_VERSION) return body;
    message.error.data = { ...(message.error.data ?? {}), supported: [...SERVED_PROTOCOL_VERSIONS] };
    return JSON.stringify(message);
  } catch {
    return body;
  }
}
