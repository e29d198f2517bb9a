/**
 * How long the server may drain after SIGTERM on each platform, as the CDK construct, the Pulumi components and
 * the Pulumi program all check it. Cloud-neutral: imports only the server contract.
 */
import { FARGATE_MAX_STOP_TIMEOUT_SECONDS, STOP_TIMEOUT_MARGIN_SECONDS, maxDrainSecondsForStopTimeout } from '../../server/config/contract';

/** The longest drain whose container stopTimeout (drain + margin) fits Fargate's 120 s cap: 115 s. */
export const FARGATE_MAX_DRAIN_SECONDS = maxDrainSecondsForStopTimeout(FARGATE_MAX_STOP_TIMEOUT_SECONDS);

/**
 * Why a drain time cannot work on Fargate, or undefined when it can. Starts with "must", for the caller to
 * prefix with the name of its setting.
 */
export function fargateDrainProblem(drainSeconds: number): string | undefined {
  if (drainSeconds <= FARGATE_MAX_DRAIN_SECONDS) return undefined;
  return (
    `must be at most ${FARGATE_MAX_DRAIN_SECONDS} on Fargate (the container stopTimeout, drain + ${STOP_TIMEOUT_MARGIN_SECONDS} s, ` +
    `is capped at ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} s), got ${drainSeconds}`
  );
}

/** Cloud Run sends SIGTERM and kills the container 10 s later. */
export const CLOUD_RUN_SIGTERM_GRACE_SECONDS = 10;

/** The drain must end before the kill, with time left for the process to exit and flush its last logs: 8 s. */
export const CLOUD_RUN_MAX_DRAIN_SECONDS = 8;

/** Why a drain time cannot work on Cloud Run, or undefined when it can. Starts with "must", like `fargateDrainProblem`. */
export function cloudRunDrainProblem(drainSeconds: number): string | undefined {
  if (drainSeconds <= CLOUD_RUN_MAX_DRAIN_SECONDS) return undefined;
  return `must be at most ${CLOUD_RUN_MAX_DRAIN_SECONDS} on Cloud Run (it kills the container ${CLOUD_RUN_SIGTERM_GRACE_SECONDS} s after SIGTERM), got ${drainSeconds}`;
}
