/**
 * `npm run stack:local`: the production-like local stack (see localStack.ts), until Ctrl-C.
 * Options: --instances N (3), --port P (8443), --idle-timeout S (60), --keepalive S (15), --telemetry (the instances
 * export OpenTelemetry to a local receiver that prints every trace as a span tree; see docs/observability.md).
 */
import { startLocalStack } from './localStack';
import { startTraceConsole } from './traceConsole';

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
  const telemetry = process.argv.includes('--telemetry') ? await startTraceConsole() : undefined;
  const stack = await startLocalStack({
    env: telemetry?.env,
    instances: option('instances', 3),
    port: option('port', 8443),
    idleTimeoutSeconds: option('idle-timeout', 60),
    keepAliveSeconds: option('keepalive', 15),
    output: 'inherit',
  });
  console.log(`
Local stack ready: nginx (TLS, round-robin, idle timeout) → ${stack.instances.length} stateful instances → Redis (${stack.redisUrl})
  MCP URL: ${stack.url.href}
  The certificate is self-signed: clients must trust it, e.g. NODE_EXTRA_CA_CERTS=${stack.certificateFile} for Node-based ones.
  Sign in with the development authorization server ("Sign in as developer"). Ctrl-C stops everything.${
    telemetry ? `\n  Telemetry: the instances export to ${telemetry.receiver.url}; each trace is printed below as a span tree.` : ''
  }
`);
  const stop = () => void stack.stop().then(() => telemetry?.receiver.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
