/**
 * The checked-in deploy files of Fly.io, Render and Railway: exactly what the contract and the host facts give,
 * readable by each platform's parser (TOML, YAML, JSON), and of the shape each platform documents.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { parse as parseToml } from 'smol-toml';
import { DEFAULTS, SECRET_ENV, STOP_TIMEOUT_MARGIN_SECONDS } from '../../server/config/contract';
import { HOSTS, HOST_NAMES, hostDrainProblem, hostKeepAliveProblem } from '../../infra/shared/hosts';
import { deployFiles, flyToml, railwayJson, railwayVariables, renderYaml } from '../../scripts/hosts';
import { flyTomlProblems, railwayJsonProblems, renderYamlProblems } from './shapes';

const ROOT = join(__dirname, '..', '..');

const parseAs = (path: string, text: string): unknown =>
  path.endsWith('.toml') ? parseToml(text) : path.endsWith('.yaml') ? loadYaml(text) : JSON.parse(text);

describe.each(deployFiles().map((f) => [f.path, f] as const))('%s', (path, file) => {
  test('the committed file is what scripts/hosts.ts generates (run npm run hosts:generate after changing the contract)', () => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(file.text);
  });

  test("the platform's parser reads the text as exactly the intended settings", () => {
    expect(parseAs(path, file.text)).toEqual(file.parsed);
  });

  test('no secret value, and no secret name outside a secret reference', () => {
    for (const name of SECRET_ENV) {
      // Render may list a secret only as `sync: false`; the others name secrets in comments at most.
      const lines = file.text.split('\n').filter((l) => l.includes(name) && !l.trimStart().startsWith('#'));
      if (path === 'render.yaml') for (const l of lines) expect(l.trim()).toBe(`- key: ${name}`);
      else expect(lines).toEqual([]);
    }
  });
});

test('fly.toml has the documented shape and the contract’s port, paths, grace and keep-alive', () => {
  expect(flyTomlProblems(parseToml(flyToml().text))).toEqual([]);
});

test('render.yaml has the documented shape and the contract’s port, paths, grace and keep-alive', () => {
  expect(renderYamlProblems(loadYaml(renderYaml().text))).toEqual([]);
});

test('railway.json has the documented shape, and the Railway variables the docs give fit it', () => {
  expect(railwayJsonProblems(JSON.parse(railwayJson().text), railwayVariables())).toEqual([]);
  expect(
    existsSync(
      join(ROOT, (JSON.parse(railwayJson().text) as { build: { dockerfilePath: string } }).build.dockerfilePath),
    ),
  ).toBe(true);
});

test('the structural checks catch a wrong file (they can fail)', () => {
  const fly = parseToml(flyToml().text) as Record<string, any>;
  fly.kill_timeout = 5; // Fly's default: the drain would be killed half-way
  fly.env.MCP_BEARER_TOKENS = 'x'.repeat(32);
  fly.http_service.concurrency.type = 'streams';
  const flyProblems = flyTomlProblems(fly);
  expect(flyProblems).toHaveLength(3);
  expect(flyProblems).toEqual(
    expect.arrayContaining([
      `the shutdown grace (5) must be MCP_DRAIN_SECONDS (${DEFAULTS.drainSeconds}) + ${STOP_TIMEOUT_MARGIN_SECONDS}`,
      "[env] holds the secret MCP_BEARER_TOKENS: use the platform's secrets",
      'concurrency.type must be requests or connections, got streams',
    ]),
  );

  const render = loadYaml(renderYaml().text) as { services: Record<string, any>[] };
  render.services[0]!.envVars.push({ key: 'REDIS_URL', value: 'redis://:hunter2@db:6379' });
  render.services[0]!.maxShutdownDelaySeconds = 301;
  const renderProblems = renderYamlProblems(render);
  expect(renderProblems).toContain('maxShutdownDelaySeconds must be 1–300, got 301');
  expect(renderProblems).toContain("envVars holds the secret REDIS_URL: use the platform's secrets");

  const railway = JSON.parse(railwayJson().text) as Record<string, any>;
  railway.deploy.drainingSeconds = '25'; // the documentation's example form, refused by Railway's parser
  expect(railwayJsonProblems(railway, railwayVariables())).toContain(
    'deploy.drainingSeconds must be a whole number, got "25"',
  );
  expect(railwayJsonProblems(railway, { ...railwayVariables(), MCP_KEEPALIVE_SECONDS: '60' })).toContain(
    'railway variables MCP_KEEPALIVE_SECONDS (60) must be below the idle timeout (60 s)',
  );
});

test('a changed drain or keep-alive reaches every file', () => {
  const drain = DEFAULTS.drainSeconds + 17;
  const files = Object.fromEntries(
    deployFiles({ drainSeconds: drain, keepAliveSeconds: 7 }).map((f) => [f.path, f.parsed as any]),
  );
  const grace = drain + STOP_TIMEOUT_MARGIN_SECONDS;
  expect(files['fly.toml'].kill_timeout).toBe(grace);
  expect(files['fly.toml'].env.MCP_DRAIN_SECONDS).toBe(String(drain));
  expect(files['fly.toml'].env.MCP_KEEPALIVE_SECONDS).toBe('7');
  expect(files['render.yaml'].services[0].maxShutdownDelaySeconds).toBe(grace);
  expect(files['render.yaml'].services[0].envVars).toContainEqual({ key: 'MCP_DRAIN_SECONDS', value: String(drain) });
  expect(files['railway.json'].deploy.drainingSeconds).toBe(grace);
  expect(railwayVariables({ drainSeconds: drain }).MCP_DRAIN_SECONDS).toBe(String(drain));
});

test('settings a host cannot honour are refused with one sentence', () => {
  expect(() => deployFiles({ drainSeconds: 296 })).toThrow(
    'drainSeconds must be at most 295 on Fly.io (its shutdown grace, drain + 5 s, is capped at 300 s), got 296',
  );
  expect(() => deployFiles({ keepAliveSeconds: 60 })).toThrow(
    "keepAliveSeconds must be below Fly.io's idle timeout (60 s), or its proxy cuts quiet streams; got 60",
  );
});

test('drain and keep-alive limits per host', () => {
  expect(hostDrainProblem('fly', 295)).toBeUndefined();
  expect(hostDrainProblem('render', 296)).toMatch(/^must be at most 295 on Render/);
  // Railway documents no maximum for drainingSeconds: only the form is checked.
  expect(hostDrainProblem('railway', 3600)).toBeUndefined();
  expect(hostDrainProblem('railway', 2.5)).toBe('must be a whole number of seconds, got 2.5');
  for (const host of HOST_NAMES) {
    expect(hostKeepAliveProblem(host, DEFAULTS.keepAliveSeconds)).toBeUndefined();
    expect(hostKeepAliveProblem(host, HOSTS[host].idleTimeoutSeconds)).toMatch(/^must be below/);
  }
});

test('docs/hosts.md gives Railway exactly the variables the files use', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'hosts.md'), 'utf8');
  const command = doc.slice(doc.indexOf('railway variable set '), doc.indexOf('railway domain'));
  for (const [name, value] of Object.entries(railwayVariables())) expect(command).toContain(` ${name}=${value} `);
});

test('every host gives the server its request-state keys (it refuses to start off loopback without them)', () => {
  // Render generates one value for all instances; Fly and Railway get it from the documented secret commands.
  const render = loadYaml(renderYaml().text) as { services: { envVars: Record<string, unknown>[] }[] };
  expect(render.services[0]!.envVars).toContainEqual({ key: 'MCP_REQUEST_STATE_KEYS', generateValue: true });
  const doc = readFileSync(join(ROOT, 'docs', 'hosts.md'), 'utf8');
  const fly = doc.slice(doc.indexOf('fly secrets set MCP_PUBLIC_URL'), doc.indexOf('fly deploy'));
  expect(fly).toContain('MCP_REQUEST_STATE_KEYS=$(openssl rand -base64 48)');
  const railway = doc.slice(doc.indexOf('railway variable set '), doc.indexOf('railway domain'));
  expect(railway).toContain('railway variable set MCP_REQUEST_STATE_KEYS=$(openssl rand -base64 48)');
});
