/**
 * Where `sessionMode: 'stateful'` can work. Cloud-neutral: no aws-cdk-lib or Pulumi import.
 *
 * A stateful session (and a legacy HTTP+SSE session, `GET /sse` + `POST /messages`) lives in the memory of the one
 * instance that created it. Behind a load balancer that spreads requests over several instances without
 * stickiness (the Fargate services here: ALB stickiness is a cookie, and MCP clients keep no cookies), the next
 * request of a session reaches another instance half of the time or more, which answers 404 (session not found) —
 * and several clients do not re-initialize after a 404. So stateful sessions need either exactly one instance or the
 * shared session store (`REDIS_URL`: ElastiCache / Memorystore), with which any instance serves any session.
 *
 * The same store carries 2026-07-28 listen notifications between instances, so a stateless service on several
 * instances may have one too; only a service that never runs more than one instance has no use for it.
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
 * Whether a shared session store would be unused: nothing reads it when sessions are stateless, the broker is off
 * (it keeps its state there whatever the session mode), and never more than one task runs. With several tasks (or
 * a count not known before deployment), 2026-07-28 `subscriptions/listen` streams hear, through the store's
 * pub/sub, the list changes made on another task; with one task every listen stream is in that task's memory.
 */
export function sessionStoreUnused(settings: SessionStoreUsers, tasks: TaskCountRange): boolean {
  const atMostOneTask = tasks.max <= 1; // NaN (not known): may be several
  return settings.sessionMode !== 'stateful' && settings.authMode !== 'broker' && atMostOneTask;
}

/**
 * Why a shared session store cannot be right with these settings and task count (nothing would read it), or
 * undefined. Starts with "is used only by", for the caller to prefix with the name of its setting; `billed` names
 * what the store is on the platform ('cache', 'instance'), `task` what runs the server ('task', 'instance'), `fix`
 * says in the caller's terms what to change.
 */
export function unusedSessionStoreProblem(
  settings: SessionStoreUsers,
  tasks: TaskCountRange,
  terms: { billed: string; task: string; fix: string },
): string | undefined {
  if (!sessionStoreUnused(settings, tasks)) return undefined;
  const runs = tasks.min === tasks.max ? 'runs one' : 'never runs more than one';
  return (
    `is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several ` +
    `${terms.task}s (which hear list changes made on another ${terms.task} through it); this service ${runs} ` +
    `${terms.task}, where stateless requests keep nothing between them and every listen stream is in that ` +
    `${terms.task}, so it would be a billed ${terms.billed} that nothing reads: ${terms.fix}`
  );
}
