/**
 * The reference capability set: small tools that prove a deployment works end to end. Replace it with your own
 * `CapabilitySet` (see `types.ts`) — the app factory takes it as an argument.
 *
 * - `echo`: returns its input.
 * - `whoami`: the caller's principal and scopes (shows what the auth layer passed in).
 * - `countdown`: runs N seconds sending a progress notification each second; cancellable. The smoke test for
 *   long-lived streams through load balancers. It needs the `mcp:long-running` scope when scopes are enforced.
 * - `confirm`: asks the user to confirm an action (elicitation: MRTR on 2026-07-28, `elicitation/create` in 2025
 *   sessions, a tool error for 2025 stateless clients, which cannot be asked).
 * - `server://info`: a resource describing the server.
 */
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import { SERVED_PROTOCOL_VERSIONS } from '../modern/versions';
import {
  defineTool,
  type CapabilityContext,
  type CapabilitySet,
  type ResourceDefinition,
  type ToolDefinition,
} from './types';

/** Scope the `countdown` tool needs beyond the server-wide scopes (demonstrates per-tool scopes). */
export const COUNTDOWN_SCOPE = 'mcp:long-running';

export const MAX_COUNTDOWN_SECONDS = 3600;

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false };

const tracer = trace.getTracer('remote-mcp-stacks/reference');

function referenceTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'echo',
      title: 'Echo',
      description: 'Returns the given text unchanged.',
      input: { text: z.string().max(100_000).describe('Text to echo back') },
      annotations: readOnly,
      run: async ({ text }) => ({ content: [{ type: 'text', text }] }),
    }),
    defineTool({
      name: 'whoami',
      title: 'Who am I',
      description: "Shows the caller's authenticated principal: subject, client id and scopes.",
      output: {
        subject: z.string(),
        clientId: z.string().optional(),
        scopes: z.array(z.string()),
        issuer: z.string().optional(),
      },
      annotations: readOnly,
      run: async (_args, { principal }) => {
        const structured = JSON.parse(JSON.stringify(principal)) as Record<string, unknown>;
        return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
      },
    }),
    defineTool({
      name: 'countdown',
      title: 'Countdown',
      description:
        'Counts down N seconds (1-3600), sending a progress notification every second. Use it to check that long-running calls survive your load balancer.',
      input: { seconds: z.number().int().min(1).max(MAX_COUNTDOWN_SECONDS).describe('How many seconds to run') },
      annotations: { readOnlyHint: true, openWorldHint: false },
      scopes: [COUNTDOWN_SCOPE],
      run: async ({ seconds }, ctx) => {
        for (let done = 1; done <= seconds; done++) {
          // A child span per tick under the call's span (a no-op unless tracing is on): a tool's own work, traced.
          await tracer.startActiveSpan('countdown tick', { attributes: { 'countdown.tick': done } }, (span) =>
            sleep(1000, ctx.signal).finally(() => span.end()),
          );
          await ctx.progress(done, seconds, `${seconds - done} s left`);
        }
        return { content: [{ type: 'text', text: `Countdown of ${seconds} s finished.` }] };
      },
    }),
    defineTool({
      name: 'confirm',
      title: 'Confirm',
      description: 'Asks the user to confirm an action (elicitation) and reports the answer. Changes nothing.',
      input: { action: z.string().min(1).max(200).describe('What the user is asked to confirm') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      run: async ({ action }, ctx) => {
        const answer = await ctx.elicit('confirm', {
          message: `Confirm: ${action}?`,
          requestedSchema: {
            type: 'object',
            properties: { confirm: { type: 'boolean', title: 'Confirm' } },
            required: ['confirm'],
          },
        });
        const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
        const outcome = confirmed
          ? 'confirmed'
          : answer.action === 'accept'
            ? 'not confirmed'
            : answer.action === 'decline'
              ? 'declined'
              : 'cancelled';
        return { content: [{ type: 'text', text: `${action}: ${outcome}` }] };
      },
    }),
  ];
}

function infoResource(context: CapabilityContext): ResourceDefinition {
  return {
    name: 'server-info',
    uri: 'server://info',
    title: 'Server information',
    description: 'Version, session mode and protocol versions',
    mimeType: 'application/json',
    read: async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({
            name: 'remote-mcp-stacks',
            version: context.version,
            sessionMode: context.sessionMode,
            protocolVersions: SERVED_PROTOCOL_VERSIONS,
          }),
        },
      ],
    }),
  };
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

export function referenceCapabilities(
  version: string,
  sessionMode: CapabilityContext['sessionMode'] = 'stateless',
): CapabilitySet {
  return {
    name: 'remote-mcp-stacks',
    version,
    instructions:
      'Reference server of remote-mcp-stacks: echo, whoami, countdown and confirm tools, and the server://info resource.',
    tools: referenceTools(),
    resources: [infoResource({ version, sessionMode })],
  };
}
