/**
 * What a person (a browser, curl) sees at the server's root: where MCP is and how to add it, instead of a bare
 * JSON-RPC 404 or the transport's 406. MCP clients never get here: their GET asks for `text/event-stream`.
 */
import type { RequestHandler } from 'express';
import { PATHS } from '../config/contract';

/** True when a GET is an MCP client opening its SSE stream (Streamable HTTP or legacy), not a person looking. */
export function wantsEventStream(accept: string | undefined): boolean {
  return /\btext\/event-stream\b/i.test(accept ?? '');
}

/** The root page's text: the MCP URL to add, and the legacy endpoint for 2024-11-05 clients. */
export function landingText(publicUrl: URL): string {
  return [
    'This is a Model Context Protocol (MCP) server.',
    `Add ${publicUrl.href} to your MCP client (transport: Streamable HTTP).`,
    `Clients of the older HTTP+SSE transport (protocol 2024-11-05) use ${new URL(PATHS.sse, publicUrl.origin).href}.`,
    '',
  ].join('\n');
}

/** `GET /` for people: plain text, 200. Anything else passes on (to the MCP endpoint when MCP is served at `/`). */
export function landingPage(publicUrl: URL): RequestHandler {
  const body = landingText(publicUrl);
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || wantsEventStream(req.headers.accept)) return next();
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain').send(body);
  };
}
