/**
 * `npm run stack:local`: the production-like local stack (see localStack.ts), until Ctrl-C.
 * Options: --instances N (3), --port P (8443), --idle-timeout S (60, or the host's), --keepalive S (15),
 * --host fly|render|railway (mimic that platform's proxy: its idle timeout and request cap, from infra/shared/hosts.ts),
 * --telemetry (the instances export OpenTelemetry to a local receiver that prints every trace as a span tree; see
 * docs/observability.md).
 */
import { HOST_NAMES, type HostName } from '../infra/shared/hosts';
import { startLocalStack } from './localStack';
import { startTraceConsole } from './traceConsole';

function hostOption(): HostName | undefined {
  const i = process.argv.indexOf('--host');
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!HOST_NAMES.includes(value as HostName)) {
    console.error(`--host needs one of ${HOST_NAMES.join(', ')}, got ${value ?? 'nothing'}`);
    process.exit(2);
  }
  return value as HostName;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a whole number, got ${process.argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const hostProfile = hostOption();
  const telemetry = process.argv.includes('--telemetry') ? await startTraceConsole() : undefined;
  const stack = await startLocalStack({
    env: telemetry?.env,
    instances: option('instances', 3),
    port: option('port', 8443),
    hostProfile,
    idleTimeoutSeconds:
      hostProfile && !process.argv.includes('--idle-timeout') ? undefined : option('idle-timeout', 60),
    keepAliveSeconds: option('keepalive', 15),
    output: 'inherit',
  });
  console.log(`
Local stack ready: nginx (TLS, round-robin, idle timeout ${stack.limits.idleTimeoutSeconds} s${stack.limits.requestCapSeconds ? `, request cap ${stack.limits.requestCapSeconds} s` : ''}${stack.limits.hostProfile ? `, like ${stack.limits.hostProfile}` : ''}) → ${stack.instances.length} stateful instances → Redis (${stack.redisUrl})
  MCP URL: ${stack.url.href}
  The certificate is self-signed: clients must trust it, e.g. NODE_EXTRA_CA_CERTS=${stack.certificateFile} for Node-based ones.
  Sign in with the development authorization server ("Sign in as developer"). Ctrl-C stops everything.${
    telemetry
      ? `\n  Telemetry: the instances export to ${telemetry.receiver.url}; each trace is printed below as a span tree.`
      : ''
  }
`);
  const stop = () =>
    void stack
      .stop()
      .then(() => telemetry?.receiver.close())
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
