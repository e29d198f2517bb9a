/**
 * The reference capability set: small tools that prove a deployment works end to end. Replace it with your own
 * `CapabilitySet` (see `types.ts`) — the app factory takes it as an argument.
 *
 * - `echo`: returns its input.
 * - `whoami`: the caller's principal and scopes (shows what the auth layer passed in).
 * - `countdown`: runs N seconds sending a progress notification each second; cancellable. The smoke test for
 *   long-lived streams through load balancers. It needs the `mcp:long-running` scope when scopes are enforced.
 * - `server://info`: a resource describing the server.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import { principalOf } from './principal';
import type { CapabilityContext, CapabilitySet } from './types';

/** Scope the `countdown` tool needs beyond the server-wide scopes (demonstrates per-tool scopes). */
export const COUNTDOWN_SCOPE = 'mcp:long-running';

export const MAX_COUNTDOWN_SECONDS = 3600;

const tracer = trace.getTracer('remote-mcp-stacks/reference');

// Schemas are built once and shared by every server instance (one per stateful session).
const echoInput = { text: z.string().max(100_000).describe('Text to echo back') };
const whoamiOutput = {
  subject: z.string(),
  clientId: z.string().optional(),
  scopes: z.array(z.string()),
  issuer: z.string().optional(),
};
const countdownInput = {
  seconds: z.number().int().min(1).max(MAX_COUNTDOWN_SECONDS).describe('How many seconds to run'),
};

function registerReference(server: McpServer, context: CapabilityContext): void {
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the given text unchanged.',
      inputSchema: echoInput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: "Shows the caller's authenticated principal: subject, client id and scopes.",
      inputSchema: {},
      outputSchema: whoamiOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (_args, extra) => {
      const principal = principalOf(extra.authInfo);
      const structured = JSON.parse(JSON.stringify(principal)) as Record<string, unknown>;
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    },
  );

  server.registerTool(
    'countdown',
    {
      title: 'Countdown',
      description:
        'Counts down N seconds (1-3600), sending a progress notification every second. Use it to check that long-running calls survive your load balancer.',
      inputSchema: countdownInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ seconds }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let done = 1; done <= seconds; done++) {
        // A child span per tick under the call's span (a no-op unless tracing is on): a tool's own work, traced.
        await tracer.startActiveSpan('countdown tick', { attributes: { 'countdown.tick': done } }, (span) =>
          sleep(1000, extra.signal).finally(() => span.end()),
        );
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: done, total: seconds, message: `${seconds - done} s left` },
          });
        }
      }
      return { content: [{ type: 'text', text: `Countdown of ${seconds} s finished.` }] };
    },
  );

  server.registerResource(
    'server-info',
    'server://info',
    { title: 'Server information', description: 'Version, session mode and protocol versions', mimeType: 'application/json' },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({
            name: 'remote-mcp-stacks',
            version: context.version,
            sessionMode: context.sessionMode,
            protocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
          }),
        },
      ],
    }),
  );
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts (so a cancelled countdown stops at once). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('Cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('Cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function referenceCapabilities(version: string): CapabilitySet {
  return {
    name: 'remote-mcp-stacks',
    version,
    instructions: 'Reference server of remote-mcp-stacks: echo, whoami and countdown tools, and the server://info resource.',
    register: registerReference,
    toolScopes: { countdown: [COUNTDOWN_SCOPE] },
  };
}
