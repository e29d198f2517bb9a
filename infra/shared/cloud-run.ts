/**
 * Cloud Run's platform facts, in one home: its limits, the deployment defaults of this repository, the probe
 * timings and the drain rule. The Pulumi component (`infra/pulumi/gcp/`) and the Pulumi program's configuration
 * both check against these. Cloud-neutral: no Pulumi import.
 */

/**
 * How the service is reachable without Google credentials. MCP clients authenticate with the server's own OAuth
 * (or bearer tokens), not with Google-signed ID tokens, so the Cloud Run invoker check must let them through:
 *
 * - `'invoker-iam-disabled'` (default): `invokerIamDisabled: true` on the service. Google's recommended form for
 *   public services: it writes no IAM policy, so it works where the Domain Restricted Sharing policy
 *   (`iam.allowedPolicyMemberDomains`) forbids `allUsers` bindings, and it takes effect with the revision.
 * - `'all-users'`: an `allUsers` → `roles/run.invoker` binding on this service only.
 * - `'none'`: neither; callers need `roles/run.invoker` (for example behind IAP or an internal load balancer).
 *
 * The organization policy `constraints/run.managed.requireInvokerIam` forbids both public forms: an organization
 * that enforces it must exempt the project, or use `'none'` with a load balancer in front.
 */
export const CLOUD_RUN_PUBLIC_ACCESS = ['invoker-iam-disabled', 'all-users', 'none'] as const;
export type CloudRunPublicAccess = (typeof CLOUD_RUN_PUBLIC_ACCESS)[number];

/** Cloud Run sends SIGTERM and kills the container 10 s later. */
export const CLOUD_RUN_SIGTERM_GRACE_SECONDS = 10;

/** The drain must end before the kill, with time left for the process to exit and flush its last logs: 8 s. */
export const CLOUD_RUN_MAX_DRAIN_SECONDS = 8;

/** Cloud Run's own limits. */
export const CLOUD_RUN_LIMITS = {
  /** Request timeout: Cloud Run allows up to 60 minutes; an SSE stream is cut when it is reached. */
  requestTimeoutSeconds: { min: 1, max: 3600 },
  /** Requests (open streams included) one instance serves at once. */
  concurrency: { min: 1, max: 1000 },
  /** Instance counts this repository accepts (Cloud Run's quota-bound maximum is per project). */
  minInstances: { min: 0, max: 1000 },
  maxInstances: { min: 1, max: 1000 },
  /**
   * Cloud Run sends SIGTERM and kills the container 10 s later. The server must finish draining before that,
   * with time left for the process to exit and its last logs to flush: at most 8 s of drain.
   */
  sigtermGraceSeconds: CLOUD_RUN_SIGTERM_GRACE_SECONDS,
  maxDrainSeconds: CLOUD_RUN_MAX_DRAIN_SECONDS,
  /** A service name is at most 49 characters (and `<name>-<project number>` must fit one 63-character DNS label). */
  serviceNameMaxLength: 49,
  /** `<service>-<project number>`, the first label of the deterministic run.app host, fits one DNS label. */
  deterministicHostLabelMaxLength: 63,
  /** The smallest instance that instance-based billing (CPU always allocated) accepts. */
  alwaysAllocatedMin: { vcpus: 1, memoryMiB: 512 },
} as const;

/** The forms of a CPU limit ('1', '0.5', '1000m') and of a memory limit ('512Mi', '2Gi') Cloud Run takes. */
export const CLOUD_RUN_CPU_PATTERN = /^(\d+(\.\d+)?|\d+m)$/;
export const CLOUD_RUN_MEMORY_PATTERN = /^\d+(Mi|Gi)$/;

export const CLOUD_RUN_DEFAULTS = {
  /** The longest Cloud Run allows: tools may stream for a long time; clients reconnect after it. */
  requestTimeoutSeconds: 3600,
  /** See CLOUD_RUN_LIMITS.maxDrainSeconds: the server's own default (20 s) does not fit Cloud Run's 10 s grace. */
  drainSeconds: CLOUD_RUN_MAX_DRAIN_SECONDS,
  /**
   * Every open request counts against concurrency, idle SSE streams included. An idle stream costs little memory
   * and no CPU, so a high value lets one instance hold many connected clients instead of Cloud Run scaling out
   * on connections; Cloud Run still scales out on CPU. Lower it for CPU-heavy tools.
   */
  concurrency: 200,
  /** Scale to zero when idle: cheapest; the first request after idling waits for a cold start (~1–3 s). */
  minInstances: 0,
  maxInstances: 10,
  cpu: '1',
  memory: '512Mi',
  /** `cpuIdle: false`: CPU stays allocated outside requests so the server's timers (keep-alives, sweeps) run. */
  cpuAlwaysAllocated: true,
  startupCpuBoost: true,
  publicAccess: 'invoker-iam-disabled' as CloudRunPublicAccess,
  /** The provider's own default: a destroy or replace fails until it is set to false. */
  deletionProtection: true,
  ingress: 'INGRESS_TRAFFIC_ALL',
} as const;

/** Probe timings (paths and port come from the contract). */
export const CLOUD_RUN_PROBES = {
  /** Startup: `/readyz` every 2 s, up to 60 s for the server to become ready. */
  startup: { initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30 },
  /** Liveness: `/healthz` every 15 s; three failures in a row restart the container. */
  liveness: { initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 3 },
  /** With Direct VPC egress (the session store): up to 180 s for the first connections through the VPC. */
  startupWithVpcEgressFailureThreshold: 90,
} as const;

/**
 * Why a drain time cannot work on Cloud Run, or undefined when it can. Starts with "must", like
 * `fargateDrainProblem`, for the caller to prefix with the name of its setting.
 */
export function cloudRunDrainProblem(drainSeconds: number): string | undefined {
  if (drainSeconds <= CLOUD_RUN_MAX_DRAIN_SECONDS) return undefined;
  return (
    `must be at most ${CLOUD_RUN_MAX_DRAIN_SECONDS} on Cloud Run ` +
    `(it kills the container ${CLOUD_RUN_SIGTERM_GRACE_SECONDS} s after SIGTERM), got ${drainSeconds}`
  );
}

/** vCPUs of a Cloud Run CPU limit ('1', '0.5', '1000m'). */
export function cloudRunVcpus(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
}

/** MiB of a Cloud Run memory limit ('512Mi', '2Gi'). */
export function cloudRunMemoryMiB(memory: string): number {
  return memory.endsWith('Gi') ? Number(memory.slice(0, -2)) * 1024 : Number(memory.slice(0, -2));
}
