/**
 * The platform-as-a-service hosts of the checked-in deploy files (`fly.toml`, `render.yaml`, `railway.json`): what
 * each platform's documentation says about its proxy and its shutdown, and the checks that a server setting fits
 * them. Cloud-neutral: imports only the server contract. Sources and the dates they were read: docs/hosts.md.
 */
import { STOP_TIMEOUT_MARGIN_SECONDS } from '../../server/config/contract';

export const HOST_NAMES = ['fly', 'render', 'railway'] as const;
export type HostName = (typeof HOST_NAMES)[number];

export interface HostFacts {
  /** How people write the platform's name. */
  title: string;
  /** The signal the platform sends to stop an instance (the server drains on SIGTERM and SIGINT alike). */
  stopSignal: 'SIGTERM' | 'SIGINT';
  /** The longest grace between the stop signal and SIGKILL that the platform accepts; undefined where undocumented. */
  maxGraceSeconds: number | undefined;
  /**
   * Seconds a quiet connection may stay open through the platform's proxy: the bound every keep-alive interval must
   * stay under. Where the documentation is silent or contradicts itself, the most cautious documented number.
   */
  idleTimeoutSeconds: number;
  /** Whether `idleTimeoutSeconds` is confirmed by the platform's current documentation. */
  idleTimeoutVerified: boolean;
  /** The longest a single HTTP request (a stream included) may last; undefined where none is documented. */
  requestCapSeconds: number | undefined;
}

/** A number per platform, each with its source in docs/hosts.md. */
export const HOSTS: { readonly [H in HostName]: HostFacts } = {
  fly: {
    title: 'Fly.io',
    // fly.toml `kill_signal` defaults to SIGINT; the file sets SIGTERM, what the other hosts send.
    stopSignal: 'SIGTERM',
    // `kill_timeout`: shared-CPU Machines up to 5 minutes (dedicated CPUs up to 24 hours).
    maxGraceSeconds: 300,
    // fly.io/docs/reference/services: idle TCP connections close after 60 s. A 2023 community.fly.io announcement
    // says that timeout was removed; the lower, documented number is the one to stay under.
    idleTimeoutSeconds: 60,
    idleTimeoutVerified: false,
    requestCapSeconds: undefined,
  },
  render: {
    title: 'Render',
    stopSignal: 'SIGTERM',
    // `maxShutdownDelaySeconds`: 1–300, default 30 (Render API schema).
    maxGraceSeconds: 300,
    // Not documented by Render: assume the common 60 s proxy default until it is.
    idleTimeoutSeconds: 60,
    idleTimeoutVerified: false,
    requestCapSeconds: undefined,
  },
  railway: {
    title: 'Railway',
    stopSignal: 'SIGTERM',
    // `drainingSeconds` (SIGTERM → SIGKILL) has no documented maximum.
    maxGraceSeconds: undefined,
    // docs.railway.com public networking specs & limits: proxy keep-alive timeout 60 s; HTTP requests last at most 15 min.
    idleTimeoutSeconds: 60,
    idleTimeoutVerified: true,
    requestCapSeconds: 15 * 60,
  },
};

/**
 * The grace a host must give between its stop signal and SIGKILL for a drain time: the drain plus the margin the
 * process needs to close and flush its logs (as the ECS container stopTimeout is).
 */
export function hostGraceSeconds(drainSeconds: number): number {
  return drainSeconds + STOP_TIMEOUT_MARGIN_SECONDS;
}

/** Why a drain time cannot work on a host, or undefined when it can. Starts with "must", like `fargateDrainProblem`. */
export function hostDrainProblem(host: HostName, drainSeconds: number): string | undefined {
  if (!Number.isInteger(drainSeconds) || drainSeconds < 0)
    return `must be a whole number of seconds, got ${drainSeconds}`;
  const { maxGraceSeconds, title } = HOSTS[host];
  if (maxGraceSeconds === undefined || hostGraceSeconds(drainSeconds) <= maxGraceSeconds) return undefined;
  const max = maxGraceSeconds - STOP_TIMEOUT_MARGIN_SECONDS;
  return `must be at most ${max} on ${title} (its shutdown grace, drain + ${STOP_TIMEOUT_MARGIN_SECONDS} s, is capped at ${maxGraceSeconds} s), got ${drainSeconds}`;
}

export const flyDrainProblem = (drainSeconds: number) => hostDrainProblem('fly', drainSeconds);
export const renderDrainProblem = (drainSeconds: number) => hostDrainProblem('render', drainSeconds);
export const railwayDrainProblem = (drainSeconds: number) => hostDrainProblem('railway', drainSeconds);

/**
 * Why a keep-alive interval cannot hold streams open through a host's proxy, or undefined when it can: a quiet
 * stream gets a comment frame every `keepAliveSeconds`, which must come before the proxy's idle timeout cuts it.
 */
export function hostKeepAliveProblem(host: HostName, keepAliveSeconds: number): string | undefined {
  const { idleTimeoutSeconds, title } = HOSTS[host];
  if (keepAliveSeconds < idleTimeoutSeconds) return undefined;
  return `must be below ${title}'s idle timeout (${idleTimeoutSeconds} s), or its proxy cuts quiet streams; got ${keepAliveSeconds}`;
}

/**
 * Fly.io concurrency, counted in requests: every open MCP stream (a POST answered as SSE, a GET stream) is one
 * request in flight for its whole life, so the proxy sees the load a machine really carries. With `connections`,
 * an HTTP/2 client multiplexing many streams counts once and an idle keep-alive connection counts as much as a
 * stream. The limits come from docs/benchmarks.md: one instance holds 5,000 idle streams in 422 MiB, ~65 KiB each
 * over a 126 MiB base; 2,000 streams fit a 512 MB machine with room for tool work, and past 1,000 the proxy prefers
 * other machines. Fly's default (soft 20) would spread a few dozen quiet streams over new machines.
 */
export const FLY_CONCURRENCY = { type: 'requests', softLimit: 1000, hardLimit: 2000 } as const;

/** The machine size the limits above were sized for. */
export const FLY_VM_MEMORY = '512mb';
