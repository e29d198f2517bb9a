/**
 * Task-count autoscaling of the Fargate service, as the CDK construct and the Pulumi component both resolve it:
 * the same defaults and the same rules for the capacity and the targets. Cooldowns stay with each tool (a CDK
 * `Duration`, Pulumi seconds). Cloud-neutral: no aws-cdk-lib or Pulumi import.
 */

export const TASK_AUTO_SCALING_DEFAULTS = {
  /** Two tasks spread the service over two Availability Zones. */
  minCapacity: 2,
  maxCapacity: 10,
  /** Target of the ALB's RequestCountPerTarget (requests per task per minute). */
  requestsPerTarget: 1000,
  cpuTargetPercent: 60,
  /** Scale-in stops tasks (their streams reconnect elsewhere), so it is slower than scale-out. */
  scaleInCooldownSeconds: 300,
  scaleOutCooldownSeconds: 60,
} as const;

/** The capacity and targets of task-count autoscaling; unset values take `TASK_AUTO_SCALING_DEFAULTS`. */
export interface TaskScalingTargets {
  minCapacity?: number;
  maxCapacity?: number;
  requestsPerTarget?: number;
  cpuTargetPercent?: number;
}

/**
 * Applies the defaults (an unset maxCapacity rises with a minCapacity above the default maximum) and checks the
 * values, calling `fail` with one sentence naming the `autoScaling.` property.
 */
export function resolveTaskScalingTargets(
  given: TaskScalingTargets,
  fail: (message: string) => never,
): Required<TaskScalingTargets> {
  const d = TASK_AUTO_SCALING_DEFAULTS;
  const r = {
    minCapacity: given.minCapacity ?? d.minCapacity,
    maxCapacity: given.maxCapacity ?? Math.max(d.maxCapacity, given.minCapacity ?? 0),
    requestsPerTarget: given.requestsPerTarget ?? d.requestsPerTarget,
    cpuTargetPercent: given.cpuTargetPercent ?? d.cpuTargetPercent,
  };
  if (!Number.isInteger(r.minCapacity) || r.minCapacity < 1)
    fail(`autoScaling.minCapacity must be a whole number of at least 1, got ${r.minCapacity}`);
  if (!Number.isInteger(r.maxCapacity) || r.maxCapacity < r.minCapacity) {
    fail(
      `autoScaling.maxCapacity (${r.maxCapacity}) must be a whole number of at least minCapacity (${r.minCapacity})`,
    );
  }
  if (!(r.requestsPerTarget > 0)) fail(`autoScaling.requestsPerTarget must be positive, got ${r.requestsPerTarget}`);
  if (!(r.cpuTargetPercent > 0 && r.cpuTargetPercent <= 100))
    fail(`autoScaling.cpuTargetPercent must be from 1 to 100, got ${r.cpuTargetPercent}`);
  return r;
}
