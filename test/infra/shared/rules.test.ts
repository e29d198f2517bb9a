/**
 * Cloud-neutral rules the CDK and Pulumi code share: the server's bearer-token rule (from its contract), where
 * stateful sessions can work, and the region of a certificate.
 */
import {
  BEARER_TOKEN_DIGEST_PREFIX,
  MIN_BEARER_TOKEN_LENGTH,
  bearerTokenProblem,
  bearerTokensProblem,
  parseBearerTokens,
} from '../../../server/config/contract';
import { ConfigError, loadConfig } from '../../../server/config/env';
import { NODE_KEEP_ALIVE_TIMEOUT_SECONDS } from '../../../server/config/contract';
import { ALB_IDLE_TIMEOUT_SECONDS, albIdleTimeoutProblem } from '../../../infra/shared/alb';
import { cloudRunDrainProblem } from '../../../infra/shared/cloud-run';
import { fargateDrainProblem } from '../../../infra/shared/drain';
import { arnRegion, certificateRegionProblem, isAcmCertificateArn } from '../../../infra/shared/arn';
import { statefulSessionsProblem } from '../../../infra/shared/sessions';
import { generateKeyPairSync } from 'node:crypto';
import { signingKeysProblem } from '../../../infra/shared/broker';

describe("bearer tokens: the contract's rule is the server's", () => {
  const digest = `${BEARER_TOKEN_DIGEST_PREFIX}${'a1'.repeat(32)}`;
  const cases: [string, boolean][] = [
    ['x'.repeat(MIN_BEARER_TOKEN_LENGTH), true],
    ['x'.repeat(MIN_BEARER_TOKEN_LENGTH - 1), false],
    ['', false],
    [digest, true],
    [digest.toUpperCase(), true],
    [`${BEARER_TOKEN_DIGEST_PREFIX}${'a1'.repeat(31)}`, false],
    [`${BEARER_TOKEN_DIGEST_PREFIX}${'zz'.repeat(32)}`, false],
    // a long value that merely starts like a digest is still judged as a digest, as the server does
    [`${BEARER_TOKEN_DIGEST_PREFIX}not-hex-but-long-enough-to-be-a-token`, false],
  ];

  test.each(cases)('%s → accepted: %s (by the contract and by the server alike)', (token, accepted) => {
    expect(bearerTokenProblem(token) === undefined).toBe(accepted);
    if (token === '') return; // an empty entry is dropped by the list format
    const start = () => loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: token });
    if (accepted) expect(start).not.toThrow();
    else expect(start).toThrow(ConfigError);
  });

  test('the messages never contain a token, only its length or position', () => {
    const secret = 'short-Secret';
    expect(bearerTokenProblem(secret)).toBe(
      `tokens must be at least 16 characters long (got ${secret.length}); generate one with: openssl rand -base64 32`,
    );
    expect(bearerTokensProblem(`${'y'.repeat(20)}, ${secret}`)).toBe(`entry 2: ${bearerTokenProblem(secret)}`);
    try {
      loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: `${'y'.repeat(20)},${secret}` });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).toBe(`Invalid MCP_BEARER_TOKENS (entry 2): ${bearerTokenProblem(secret)}`);
      expect((e as Error).message).not.toContain(secret);
    }
  });

  test("the list format is the server's: comma-separated, trimmed, empty entries dropped", () => {
    expect(parseBearerTokens(' a , ,b,')).toEqual(['a', 'b']);
    expect(parseBearerTokens(['a,b', ' c '])).toEqual(['a', 'b', 'c']);
    expect(bearerTokensProblem(' , ')).toMatch(/^no token/);
    expect(bearerTokensProblem([])).toMatch(/^no token/);
    expect(bearerTokensProblem(['x'.repeat(16), 'y'.repeat(40)])).toBeUndefined();
  });
});

describe('broker signing keys: infrastructure refuses only what the server refuses', () => {
  const ec = {
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    alg: 'ES256',
  };
  const ed = { ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), alg: 'EdDSA' };
  const jwks = (...keys: object[]) => JSON.stringify({ keys });
  const cases: [string, boolean, string][] = [
    ['one EC key', true, jwks({ ...ec, kid: 'a' })],
    ['a new key first, the old one kept (rotation)', true, jwks({ ...ed, kid: 'b' }, { ...ec, kid: 'a' })],
    ['not JSON', false, 'keys'],
    ['no keys', false, jwks()],
    ['a key without kid', false, jwks({ ...ec })],
    ['a kid twice', false, jwks({ ...ec, kid: 'a' }, { ...ed, kid: 'a' })],
    ['a symmetric algorithm', false, jwks({ kty: 'oct', k: 'c2VjcmV0', d: 'x', kid: 'a', alg: 'HS256' })],
    ['a public key only', false, jwks({ ...ec, d: undefined, kid: 'a' })],
  ];

  test.each(cases)('%s → accepted: %s (by infrastructure and by the server alike)', (_name, accepted, value) => {
    expect(signingKeysProblem(value) === undefined).toBe(accepted);
    const start = () =>
      loadConfig({
        MCP_AUTH_MODE: 'broker',
        UPSTREAM_ISSUER: 'https://login.example.com',
        UPSTREAM_CLIENT_ID: 'mcp',
        BROKER_SIGNING_KEYS: value,
      });
    if (accepted) expect(start).not.toThrow();
    else expect(start).toThrow(ConfigError);
  });

  test('the messages never contain a key', () => {
    const value = jwks({ ...ec, kid: 'a', alg: 'HS256' });
    expect(signingKeysProblem(value)).not.toContain((ec as { d: string }).d);
  });
});

describe('stateful sessions', () => {
  test('only exactly one task can hold them, unless a shared store does', () => {
    expect(statefulSessionsProblem({ min: 1, max: 1 }, 'pin')).toBeUndefined();
    expect(statefulSessionsProblem({ min: 2, max: 10 }, 'pin it', { sharedStore: true })).toBeUndefined();
    expect(statefulSessionsProblem({ min: 2, max: 10 }, 'pin it', { sharedStoreHint: 'redis: true' })).toMatch(
      /, or pin it, or give the service a shared session store \(redis: true\)$/,
    );
    expect(statefulSessionsProblem({ min: 2, max: 10 }, 'pin it')).toMatch(
      /this service runs 2 to 10 tasks: .*404 \(session not found\)\. Use sessionMode 'stateless' \(the default\), or pin it, or give the service a shared session store$/,
    );
    expect(statefulSessionsProblem({ min: 2, max: 2 }, 'pin')).toMatch(/runs 2 tasks/);
    expect(statefulSessionsProblem({ min: 1, max: 2 }, 'pin')).toMatch(/runs 1 to 2 tasks/);
    expect(statefulSessionsProblem({ min: NaN, max: NaN }, 'pin')).toMatch(
      /runs a number of tasks not known before deployment/,
    );
  });
});

describe('ACM certificate ARN', () => {
  test.each([
    ['arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789', true],
    ['arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc', true],
    ['arn:aws:acm:eu-west-1:12345678901:certificate/abc', false],
    ['arn:aws:acm:eu-west-1:123456789012:certificate/', false],
    ['arn:aws:acm:eu-west-1:123456789012:certificate/abc/def', false],
    ['arn:aws:iam::123456789012:server-certificate/abc', false],
    ['not-an-arn', false],
  ])('%s → %s (the CDK app and the Pulumi program use this one check)', (arn, ok) => {
    expect(isAcmCertificateArn(arn)).toBe(ok);
  });
});

describe('certificate region', () => {
  test('the region of an ARN', () => {
    expect(arnRegion('arn:aws:acm:eu-west-1:123456789012:certificate/x')).toBe('eu-west-1');
    expect(arnRegion('arn:aws-cn:acm:cn-north-1:123456789012:certificate/x')).toBe('cn-north-1');
    expect(arnRegion('arn:aws:iam::123456789012:role/x')).toBeUndefined();
    expect(arnRegion('not-an-arn')).toBeUndefined();
  });

  test('an ALB needs a certificate of its own region; unknown regions are not judged', () => {
    const cert = 'arn:aws:acm:us-east-1:123456789012:certificate/x';
    expect(certificateRegionProblem(cert, 'us-east-1')).toBeUndefined();
    expect(certificateRegionProblem(cert, 'eu-west-1')).toBe(
      'the certificate is in us-east-1 but the load balancer is in eu-west-1: an Application Load Balancer needs an ACM certificate of its own region (request or import one in eu-west-1)',
    );
    expect(certificateRegionProblem(cert, undefined)).toBeUndefined();
    expect(certificateRegionProblem('${Token[TOKEN.1]}', 'eu-west-1')).toBeUndefined();
  });
});

describe('ALB idle timeout and drain caps', () => {
  test('albIdleTimeoutProblem: the ALB range, and above the keep-alive interval', () => {
    expect(albIdleTimeoutProblem(3600, 15)).toBeUndefined();
    expect(albIdleTimeoutProblem(4000, 15)).toBeUndefined();
    expect(albIdleTimeoutProblem(4001, 15)).toBe(
      "must be a whole number of seconds from 1 to 4000 (the ALB's range), got 4001",
    );
    expect(albIdleTimeoutProblem(1.5, 1)).toMatch(/whole number/);
    expect(albIdleTimeoutProblem(15, 15)).toBe(
      "must exceed the server's keepAliveSeconds (15 s), or the load balancer cuts idle streams; got 15 s",
    );
    // Every timeout in range stays below the server's Node keep-alive timeout, so no further check is needed.
    expect(ALB_IDLE_TIMEOUT_SECONDS.max).toBeLessThan(NODE_KEEP_ALIVE_TIMEOUT_SECONDS);
  });

  test('fargateDrainProblem and cloudRunDrainProblem', () => {
    expect(fargateDrainProblem(115)).toBeUndefined();
    expect(fargateDrainProblem(116)).toBe(
      'must be at most 115 on Fargate (the container stopTimeout, drain + 5 s, is capped at 120 s), got 116',
    );
    expect(cloudRunDrainProblem(8)).toBeUndefined();
    expect(cloudRunDrainProblem(9)).toBe(
      'must be at most 8 on Cloud Run (it kills the container 10 s after SIGTERM), got 9',
    );
  });
});
