/**
 * Structural checks of the deploy files against the keys each platform documents (no published schema of fly.toml,
 * and none of render.yaml or railway.json installable offline: see docs/hosts.md), plus the rules this project
 * adds: the contract's port and paths, the grace matched to the drain, keep-alive under the idle timeout, and no
 * secret value in a file. Each function returns the problems it finds (empty when the file is right).
 */
import { CONTAINER_PORT, PATHS, SECRET_ENV, STOP_TIMEOUT_MARGIN_SECONDS } from '../../server/config/contract';
import { HOSTS } from '../../infra/shared/hosts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(where: string, value: unknown, allowed: readonly string[]): string[] {
  if (!isObj(value)) return [`${where} must be a table/object`];
  return Object.keys(value)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}.${k} is not a documented key`);
}

/** Environment rules shared by the files: no secret, keep-alive below the idle timeout, grace = drain + margin. */
function envProblems(
  where: string,
  env: Record<string, string>,
  idleTimeoutSeconds: number,
  graceSeconds: unknown,
): string[] {
  const problems: string[] = [];
  for (const name of SECRET_ENV)
    if (name in env) problems.push(`${where} holds the secret ${name}: use the platform's secrets`);
  if (env.PORT !== String(CONTAINER_PORT)) problems.push(`${where} PORT must be ${CONTAINER_PORT}, got ${env.PORT}`);
  const keepAlive = Number(env.MCP_KEEPALIVE_SECONDS);
  if (!(keepAlive < idleTimeoutSeconds))
    problems.push(
      `${where} MCP_KEEPALIVE_SECONDS (${env.MCP_KEEPALIVE_SECONDS}) must be below the idle timeout (${idleTimeoutSeconds} s)`,
    );
  const drain = Number(env.MCP_DRAIN_SECONDS);
  if (graceSeconds !== drain + STOP_TIMEOUT_MARGIN_SECONDS) {
    problems.push(
      `the shutdown grace (${String(graceSeconds)}) must be MCP_DRAIN_SECONDS (${env.MCP_DRAIN_SECONDS}) + ${STOP_TIMEOUT_MARGIN_SECONDS}`,
    );
  }
  return problems;
}

/** fly.io/docs/reference/configuration: the sections used here and their documented keys. */
export function flyTomlProblems(doc: unknown): string[] {
  if (!isObj(doc)) return ['fly.toml must be a table'];
  const p = unknownKeys('fly.toml', doc, [
    'app',
    'primary_region',
    'kill_signal',
    'kill_timeout',
    'swap_size_mb',
    'console_command',
    'build',
    'deploy',
    'env',
    'http_service',
    'services',
    'checks',
    'vm',
    'mounts',
    'metrics',
    'statics',
    'processes',
    'experimental',
    'restart',
  ]);
  if (!['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGSTOP'].includes(String(doc.kill_signal)))
    p.push(`kill_signal ${String(doc.kill_signal)} is not one Fly sends`);
  if (doc.kill_signal !== 'SIGTERM' && doc.kill_signal !== 'SIGINT')
    p.push('kill_signal must be SIGTERM or SIGINT, the signals the server drains on');
  const kill = doc.kill_timeout;
  if (!Number.isInteger(kill) || (kill as number) < 1 || (kill as number) > HOSTS.fly.maxGraceSeconds!)
    p.push(`kill_timeout must be 1–${HOSTS.fly.maxGraceSeconds} s, got ${String(kill)}`);
  const env = (isObj(doc.env) ? doc.env : {}) as Record<string, string>;
  p.push(...envProblems('[env]', env, HOSTS.fly.idleTimeoutSeconds, kill));
  const hs = doc.http_service;
  p.push(
    ...unknownKeys('http_service', hs, [
      'internal_port',
      'force_https',
      'auto_stop_machines',
      'auto_start_machines',
      'min_machines_running',
      'processes',
      'concurrency',
      'checks',
      'http_options',
      'tls_options',
      'machine_checks',
    ]),
  );
  if (isObj(hs)) {
    if (hs.internal_port !== CONTAINER_PORT) p.push(`http_service.internal_port must be ${CONTAINER_PORT}`);
    const c = hs.concurrency;
    p.push(...unknownKeys('http_service.concurrency', c, ['type', 'soft_limit', 'hard_limit']));
    if (isObj(c)) {
      if (c.type !== 'requests' && c.type !== 'connections')
        p.push(`concurrency.type must be requests or connections, got ${String(c.type)}`);
      if (!(Number(c.soft_limit) <= Number(c.hard_limit))) p.push('concurrency.soft_limit must not exceed hard_limit');
    }
    const checks = Array.isArray(hs.checks) ? hs.checks : [];
    if (!checks.some((ch) => isObj(ch) && ch.path === PATHS.readyz))
      p.push(`http_service.checks must probe ${PATHS.readyz}`);
    for (const ch of checks)
      p.push(
        ...unknownKeys('http_service.checks[]', ch, [
          'grace_period',
          'interval',
          'timeout',
          'method',
          'path',
          'protocol',
          'tls_skip_verify',
          'tls_server_name',
          'headers',
        ]),
      );
  }
  if (isObj(doc.checks)) {
    for (const [name, ch] of Object.entries(doc.checks)) {
      p.push(
        ...unknownKeys(`checks.${name}`, ch, [
          'type',
          'port',
          'path',
          'method',
          'interval',
          'timeout',
          'grace_period',
          'protocol',
          'headers',
          'tls_skip_verify',
          'tls_server_name',
        ]),
      );
      if (isObj(ch) && ch.port !== CONTAINER_PORT) p.push(`checks.${name}.port must be ${CONTAINER_PORT}`);
    }
  }
  return p;
}

/** render.com/docs/blueprint-spec: the service fields used here. */
export function renderYamlProblems(doc: unknown): string[] {
  if (!isObj(doc) || !Array.isArray(doc.services) || doc.services.length !== 1)
    return ['render.yaml must have exactly one service'];
  const s = doc.services[0] as unknown;
  const p = unknownKeys('services[0]', s, [
    'type',
    'name',
    'runtime',
    'plan',
    'region',
    'dockerfilePath',
    'dockerContext',
    'dockerCommand',
    'healthCheckPath',
    'maxShutdownDelaySeconds',
    'envVars',
    'numInstances',
    'scaling',
    'autoDeploy',
    'autoDeployTrigger',
    'branch',
    'preDeployCommand',
    'domains',
    'image',
    'rootDir',
    'buildFilter',
    'disk',
  ]);
  if (!isObj(s)) return p;
  if (s.type !== 'web') p.push('the service must be of type web');
  if (s.runtime !== 'docker') p.push('runtime must be docker (the one Dockerfile)');
  if (s.healthCheckPath !== PATHS.readyz) p.push(`healthCheckPath must be ${PATHS.readyz}`);
  const grace = s.maxShutdownDelaySeconds;
  if (!Number.isInteger(grace) || (grace as number) < 1 || (grace as number) > HOSTS.render.maxGraceSeconds!)
    p.push(`maxShutdownDelaySeconds must be 1–${HOSTS.render.maxGraceSeconds}, got ${String(grace)}`);
  const env: Record<string, string> = {};
  for (const [i, e] of (Array.isArray(s.envVars) ? s.envVars : []).entries()) {
    p.push(
      ...unknownKeys(`envVars[${i}]`, e, [
        'key',
        'value',
        'sync',
        'generateValue',
        'fromService',
        'fromDatabase',
        'fromGroup',
      ]),
    );
    if (!isObj(e)) continue;
    const sources = ['value', 'sync', 'generateValue', 'fromService', 'fromDatabase', 'fromGroup'].filter(
      (k) => k in e,
    );
    if (sources.length !== 1)
      p.push(`envVars[${i}] (${String(e.key)}) must have exactly one source, has ${sources.join(', ') || 'none'}`);
    if ('sync' in e && e.sync !== false) p.push(`envVars[${i}].sync must be false`);
    if ('value' in e) {
      if (typeof e.value !== 'string') p.push(`envVars[${i}].value must be a string`);
      env[String(e.key)] = String(e.value);
    }
  }
  p.push(...envProblems('envVars', env, HOSTS.render.idleTimeoutSeconds, grace));
  return p;
}

/** docs.railway.com/config-as-code/reference: the build and deploy settings used here. */
export function railwayJsonProblems(doc: unknown, variables: Record<string, string>): string[] {
  if (!isObj(doc)) return ['railway.json must be an object'];
  const p = unknownKeys('railway.json', doc, ['$schema', 'build', 'deploy', 'environments']);
  p.push(
    ...unknownKeys('build', doc.build, [
      'builder',
      'watchPatterns',
      'buildCommand',
      'dockerfilePath',
      'railpackVersion',
      'nixpacksConfigPath',
      'nixpacksPlan',
      'nixpacksVersion',
    ]),
  );
  p.push(
    ...unknownKeys('deploy', doc.deploy, [
      'startCommand',
      'preDeployCommand',
      'multiRegionConfig',
      'numReplicas',
      'healthcheckPath',
      'healthcheckTimeout',
      'restartPolicyType',
      'restartPolicyMaxRetries',
      'cronSchedule',
      'overlapSeconds',
      'drainingSeconds',
      'sleepApplication',
      'region',
    ]),
  );
  if (isObj(doc.build) && doc.build.builder !== 'DOCKERFILE') p.push('build.builder must be DOCKERFILE');
  if (isObj(doc.deploy)) {
    const d = doc.deploy;
    if (d.healthcheckPath !== PATHS.readyz) p.push(`deploy.healthcheckPath must be ${PATHS.readyz}`);
    // The documentation's example shows a string; Railway's parser refuses one (railwayapp/docs#1243).
    for (const k of ['drainingSeconds', 'overlapSeconds', 'healthcheckTimeout', 'restartPolicyMaxRetries']) {
      if (k in d && !Number.isInteger(d[k])) p.push(`deploy.${k} must be a whole number, got ${JSON.stringify(d[k])}`);
    }
    if (!['ON_FAILURE', 'ALWAYS', 'NEVER', undefined].includes(d.restartPolicyType as string | undefined))
      p.push('deploy.restartPolicyType is not one Railway knows');
    p.push(...envProblems('railway variables', variables, HOSTS.railway.idleTimeoutSeconds, d.drainingSeconds));
  }
  return p;
}
