/**
 * Where `sessionMode: 'stateful'` can work. Cloud-neutral: no aws-cdk-lib or Pulumi import.
 *
 * A stateful session (and a legacy HTTP+SSE session, `GET /sse` + `POST /messages`) lives in the memory of the one
 * instance that created it. Behind a load balancer that spreads requests over several instances without
 * stickiness (the Fargate services here: ALB stickiness is a cookie, and MCP clients keep no cookies), the next
 * request of a session reaches another instance half of the time or more, which answers 404 (session not found) —
 * and several clients do not re-initialize after a 404. So stateful sessions need either exactly one instance or the
 * shared session store (`REDIS_URL`: ElastiCache / Memorystore), with which any instance serves any session.
 */

/** The number of tasks a service may run: `min` = `max` for a fixed count; NaN where it is not known (a token). */
export interface TaskCountRange {
  min: number;
  max: number;
}

/**
 * Why `sessionMode: 'stateful'` cannot work with this task count, or undefined when exactly one task runs.
 * `pinToOne` says, in the caller's own terms (construct props, component arguments, configuration keys), how to run
 * exactly one task.
 */
export function statefulSessionsProblem(
  tasks: TaskCountRange,
  pinToOne: string,
  options: { sharedStore?: boolean; sharedStoreHint?: string } = {},
): string | undefined {
  if (options.sharedStore) return undefined;
  if (tasks.min === 1 && tasks.max === 1) return undefined;
  const known = Number.isFinite(tasks.min) && Number.isFinite(tasks.max);
  const count = !known
    ? 'a number of tasks not known before deployment'
    : tasks.min === tasks.max
      ? `${tasks.min} tasks`
      : `${tasks.min} to ${tasks.max} tasks`;
  const hint = options.sharedStoreHint ? ` (${options.sharedStoreHint})` : '';
  return (
    `sessionMode 'stateful' needs exactly one task, and this service runs ${count}: a session lives in the memory of ` +
    'the task that created it, and the load balancer spreads requests over all tasks without stickiness, so requests ' +
    "that reach another task get 404 (session not found). Use sessionMode 'stateless' (the default), or " +
    `${pinToOne}, or give the service a shared session store${hint}`
  );
}

/** The settings that decide whether anything reads a shared session store. */
export interface SessionStoreUsers {
  sessionMode?: string;
  authMode?: string;
}

/**
 * Whether these settings leave a shared session store unused: only stateful sessions and the broker (which keeps
 * its state there whatever the session mode) read it; stateless MCP requests alone keep nothing between them.
 */
export function sessionStoreUnused(settings: SessionStoreUsers): boolean {
  return settings.sessionMode !== 'stateful' && settings.authMode !== 'broker';
}

/**
 * Why a shared session store cannot be right with these settings (nothing would read it), or undefined. Starts
 * with "is used only by", for the caller to prefix with the name of its setting; `billed` names what the store
 * is on the platform ('cache', 'instance'), `fix` says in the caller's terms what to change.
 */
export function unusedSessionStoreProblem(
  settings: SessionStoreUsers,
  terms: { billed: string; fix: string },
): string | undefined {
  if (!sessionStoreUnused(settings)) return undefined;
  return (
    "is used only by sessionMode 'stateful' and authMode 'broker' (stateless requests keep nothing between them), " +
    `and would be a billed ${terms.billed} that nothing reads: ${terms.fix}`
  );
}
