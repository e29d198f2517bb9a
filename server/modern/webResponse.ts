/**
 * Writes a web `Response` from the SDK v2 handler to an express response: JSON in one write, SSE streamed with
 * backpressure. The SDK lists only 2026-07-28 as supported (in -32022 errors and `server/discover`); this URL also
 * serves the 2025/2024 revisions, so both are patched to list every revision served (clients and the conformance
 * suite check that the two lists agree).
 */
import { once } from 'node:events';
import type { Response as ExpressResponse } from 'express';
import { SERVED_PROTOCOL_VERSIONS } from './versions';

const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export async function writeWebResponse(response: Response, res: ExpressResponse, discover = false): Promise<void> {
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
        if (done || res.destroyed || res.writableEnded) break;
        if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    } finally {
      reader.cancel().catch(() => undefined);
      if (!res.writableEnded) res.end();
    }
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  const json = type.includes('json');
  // Only an error or a discover answer is patched: every other answer goes out as the bytes the SDK wrote.
  if (json && (response.status >= 400 || discover)) {
    const text = body.toString('utf8');
    res.end(response.status >= 400 ? patchError(text) : patchDiscover(text));
  } else res.end(body);
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

/** `server/discover`: `supportedVersions` lists every revision served on this URL. */
export function patchDiscover(body: string): string {
  try {
    const message = JSON.parse(body) as { result?: { supportedVersions?: unknown } };
    if (!message.result || !Array.isArray(message.result.supportedVersions)) return body;
    message.result.supportedVersions = [...SERVED_PROTOCOL_VERSIONS];
    return JSON.stringify(message);
  } catch {
    return body;
  }
}
