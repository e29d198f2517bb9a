/**
 * The Application Load Balancer's idle timeout, as the CDK construct, the Pulumi component and the Pulumi program
 * all check it. Cloud-neutral: no aws-cdk-lib or Pulumi import.
 */

/** Range of the ALB `idle_timeout.timeout_seconds` attribute. */
export const ALB_IDLE_TIMEOUT_SECONDS = { min: 1, max: 4000 } as const;

/** Long enough for a tool to run an hour without output; far above the server's keep-alive interval. */
export const DEFAULT_ALB_IDLE_TIMEOUT_SECONDS = 3600;

/**
 * What is wrong with an ALB idle timeout for a server that sends keep-alives every `keepAliveSeconds`, or undefined
 * when it works: a whole number of seconds in the ALB's range, above the keep-alive interval (or the load balancer
 * cuts idle streams). The answer starts with "must", for the caller to prefix with the name of its setting.
 *
 * The server's Node keep-alive timeout (the contract's NODE_KEEP_ALIVE_TIMEOUT_SECONDS) is above the ALB maximum,
 * so every timeout in range lets the load balancer close idle connections first (a test checks the two numbers).
 */
export function albIdleTimeoutProblem(idleSeconds: number, keepAliveSeconds: number): string | undefined {
  const { min, max } = ALB_IDLE_TIMEOUT_SECONDS;
  if (!Number.isInteger(idleSeconds) || idleSeconds < min || idleSeconds > max) {
    return `must be a whole number of seconds from ${min} to ${max} (the ALB's range), got ${idleSeconds}`;
  }
  if (idleSeconds <= keepAliveSeconds) {
    return `must exceed the server's keepAliveSeconds (${keepAliveSeconds} s), or the load balancer cuts idle streams; got ${idleSeconds} s`;
  }
  return undefined;
}
