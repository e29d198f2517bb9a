/**
 * Per-tool scopes (`CapabilitySet.toolScopes`), enforced at the HTTP layer before a call reaches the tool, so the
 * client gets a proper 403 `insufficient_scope` challenge it can act on (step-up authorization) rather than a
 * tool error. The body is already JSON-parsed when the auth middleware runs; batches are checked entry by entry.
 */

type ToolScopes = Readonly<Record<string, readonly string[]>>;

function toolCalled(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return undefined;
  const name = (params as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** Scopes the tool calls in `body` need (beyond the server-wide ones). */
export function scopesNeededFor(body: unknown, toolScopes: ToolScopes | undefined): string[] {
  if (!toolScopes) return [];
  const messages = Array.isArray(body) ? body : [body];
  const needed = new Set<string>();
  for (const message of messages) {
    const tool = toolCalled(message);
    if (tool === undefined || !Object.hasOwn(toolScopes, tool)) continue;
    for (const scope of toolScopes[tool] ?? []) needed.add(scope);
  }
  return [...needed];
}

export function missingScopes(needed: readonly string[], granted: readonly string[]): string[] {
  if (needed.length === 0) return [];
  const have = new Set(granted);
  return needed.filter((scope) => !have.has(scope));
}
