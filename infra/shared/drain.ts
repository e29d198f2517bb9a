/**
 * How long the server may drain after SIGTERM on Fargate, as the CDK construct, the Pulumi component and the
 * Pulumi program all check it (Cloud Run's rule is in `cloud-run.ts`). Cloud-neutral: imports only the contract.
 */
import {
  FARGATE_MAX_STOP_TIMEOUT_SECONDS,
  STOP_TIMEOUT_MARGIN_SECONDS,
  maxDrainSecondsForStopTimeout,
} from '../../server/config/contract';

/** The longest drain whose container stopTimeout (drain + margin) fits Fargate's 120 s cap: 115 s. */
export const FARGATE_MAX_DRAIN_SECONDS = maxDrainSecondsForStopTimeout(FARGATE_MAX_STOP_TIMEOUT_SECONDS);

/**
 * Why a drain time cannot work on Fargate, or undefined when it can. Starts with "must", for the caller to
 * prefix with the name of its setting.
 */
export function fargateDrainProblem(drainSeconds: number): string | undefined {
  if (drainSeconds <= FARGATE_MAX_DRAIN_SECONDS) return undefined;
  return (
    `must be at most ${FARGATE_MAX_DRAIN_SECONDS} on Fargate ` +
    `(the container stopTimeout, drain + ${STOP_TIMEOUT_MARGIN_SECONDS} s, ` +
    `is capped at ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} s), got ${drainSeconds}`
  );
}
