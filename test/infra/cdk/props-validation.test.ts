/** Bad props fail at synth with one clear McpConfigError, before anything is deployed. */
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ENV, NODE_KEEP_ALIVE_TIMEOUT_SECONDS, SECRET_ENV, type ServerSettings } from '../../../server/config/contract';
import {
  ALB_IDLE_TIMEOUT_SECONDS,
  McpConfigError,
  McpFargateService,
  readAppContext,
  resolveProps,
  servicePropsFromContext,
  type ContextKey,
  type McpFargateServiceProps,
} from '../../../infra/cdk';
import { baseProps, CERT_ARN, ISSUER, newApp, newStack, REGION, testImage } from './helpers';

function build(overrides: Partial<McpFargateServiceProps>, stack: Stack = newStack()): McpFargateService {
  return new McpFargateService(stack, 'Mcp', { ...baseProps(stack), ...overrides });
}

function errorOf(fn: () => unknown): McpConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(McpConfigError);
    return e as McpConfigError;
  }
  throw new Error('expected an McpConfigError, nothing was thrown');
}

const settings = (s: ServerSettings): ServerSettings => ({ oauthIssuer: ISSUER, ...s });

describe('idle timeout', () => {
  test('5000 s is outside the ALB range', () => {
    const e = errorOf(() => build({ idleTimeout: Duration.seconds(5000) }));
    expect(e.message).toMatch(
      /idleTimeout must be a whole number of seconds from 1 to 4000 \(the ALB's range\), got 5000/,
    );
    expect(e.message).toContain("McpFargateService 'Test/Mcp'");
  });

  test("the ALB's longest idle timeout stays below the server's Node keep-alive timeout", () => {
    expect(ALB_IDLE_TIMEOUT_SECONDS.max).toBeLessThan(NODE_KEEP_ALIVE_TIMEOUT_SECONDS);
  });

  test('the range ends are accepted, one past them is not', () => {
    expect(() => build({ idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_SECONDS.max) })).not.toThrow();
    expect(() => build({ idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_SECONDS.max + 1) })).toThrow(McpConfigError);
    expect(errorOf(() => build({ idleTimeout: Duration.millis(1500) })).message).toMatch(
      /whole number of seconds from 1 to 4000.*got 1.5/,
    );
  });

  test('keep-alive at or above the idle timeout would let the ALB cut idle streams', () => {
    const e = errorOf(() =>
      build({ idleTimeout: Duration.seconds(60), serverSettings: settings({ keepAliveSeconds: 60 }) }),
    );
    expect(e.message).toMatch(
      /idleTimeout must exceed the server's keepAliveSeconds \(60 s\), or the load balancer cuts idle streams; got 60 s/,
    );
    expect(() => build({ idleTimeout: Duration.seconds(10) })).toThrow(
      /must exceed the server's keepAliveSeconds \(15 s\)/,
    );
    expect(() =>
      build({ idleTimeout: Duration.seconds(61), serverSettings: settings({ keepAliveSeconds: 60 }) }),
    ).not.toThrow();
  });
});

describe('TLS', () => {
  test('neither certificate nor domain', () => {
    const e = errorOf(() => build({ certificate: undefined }));
    expect(e.message).toMatch(/needs TLS: pass `certificate`, or `domainName` with `hostedZone`/);
  });

  test('a domain without a hosted zone or a certificate', () => {
    expect(() => build({ certificate: undefined, domainName: 'mcp.example.com' })).toThrow(
      /needs `hostedZone` to validate a certificate for 'mcp.example.com'/,
    );
  });

  test('a hosted zone without a domain, and a malformed domain', () => {
    const stack = newStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Z', {
      hostedZoneId: 'Z1',
      zoneName: 'example.com',
    });
    expect(() => build({ hostedZone }, stack)).toThrow(/`hostedZone` needs `domainName`/);
    expect(() => build({ domainName: 'https://mcp.example.com/mcp' })).toThrow(/domainName must be a host name/);
  });
});

describe('server settings (checked by the contract)', () => {
  test.each(['none', 'dev'] as const)("authMode '%s' is loopback-only", (authMode) => {
    expect(() => build({ serverSettings: settings({ authMode }) })).toThrow(/only runs on loopback/);
  });

  test('token introspection needs a client id and an existing secret with the client secret', () => {
    const url = 'https://auth.example.com/introspect';
    expect(() => build({ serverSettings: settings({ oauthIntrospectionUrl: url }) })).toThrow(/needs oauthClientId/);
    expect(() => build({ serverSettings: settings({ oauthIntrospectionUrl: url, oauthClientId: 'mcp' }) })).toThrow(
      /create a secret with the JSON field OAUTH_CLIENT_SECRET and pass it as `secret`/,
    );
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'S',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-AbCdEf',
    );
    expect(() =>
      build(
        { secret: oauthSecret, serverSettings: settings({ oauthIntrospectionUrl: url, oauthClientId: 'mcp' }) },
        stack,
      ),
    ).not.toThrow();
  });

  test('oauth, the default, needs an issuer', () => {
    expect(() => build({ serverSettings: {} })).toThrow(/authMode 'oauth' needs oauthIssuer/);
  });

  test('URLs must be https, and the public URL without a query or fragment', () => {
    expect(() => build({ serverSettings: { oauthIssuer: 'http://auth.example.com' } })).toThrow(
      /oauthIssuer must be an https:\/\/ URL/,
    );
    const e = errorOf(() => build({ serverSettings: settings({ publicUrl: 'https://mcp.example.com/mcp?tenant=a' }) }));
    expect(e.message).toBe(
      "McpFargateService 'Test/Mcp': publicUrl must not contain a query or fragment, got https://mcp.example.com/mcp?tenant=a",
    );
  });

  test('a drain time longer than Fargate lets a container stop', () => {
    expect(() => build({ serverSettings: settings({ drainSeconds: 116 }) })).toThrow(
      /drainSeconds must be at most 115 on Fargate/,
    );
    expect(() => build({ serverSettings: settings({ drainSeconds: 115 }) })).not.toThrow();
  });
});

describe('secrets and environment', () => {
  test('a secret variable in plain environment is refused', () => {
    expect(() => build({ environment: { [ENV.oauthClientSecret]: 'x' } })).toThrow(
      /environment must not contain the secret 'OAUTH_CLIENT_SECRET'/,
    );
    expect(() => build({ environment: { [ENV.bearerTokens]: 'x' } })).toThrow(McpConfigError);
  });

  test('environment must not override what serverSettings sets, nor enable dev auth off loopback', () => {
    expect(() => build({ environment: { [ENV.publicUrl]: 'https://x' } })).toThrow(
      /must not set 'MCP_PUBLIC_URL': it comes from serverSettings/,
    );
    expect(() => build({ environment: { [ENV.port]: '9000' } })).toThrow(/'PORT'/);
    expect(() => build({ environment: { [ENV.devAuthAllowNonLoopback]: 'true' } })).toThrow(
      /dev auth is loopback-only/,
    );
  });

  test('secretFields only name the contract secret variables; token mode needs the tokens', () => {
    expect(() => build({ secretFields: [ENV.port] })).toThrow(
      `secretFields may only name ${SECRET_ENV.join(', ')}, got 'PORT'`,
    );
    expect(SECRET_ENV).toEqual([
      ENV.oauthClientSecret,
      ENV.bearerTokens,
      ENV.redisUrl,
      ENV.upstreamClientSecret,
      ENV.brokerSigningKeys,
      ENV.requestStateKeys,
    ]);
    expect(() => build({ serverSettings: { authMode: 'token' }, secretFields: [ENV.oauthClientSecret] })).toThrow(
      /authMode 'token' needs 'MCP_BEARER_TOKENS'/,
    );
  });
});

describe('stateful sessions on Fargate', () => {
  const stateful = settings({ sessionMode: 'stateful' });

  test('refused on the default 2 to 10 autoscaled tasks, and on a fixed count above one: requests reach other tasks (404)', () => {
    const e = errorOf(() => build({ serverSettings: stateful }));
    expect(e.message).toMatch(/sessionMode 'stateful' needs exactly one task, and this service runs 2 to 10 tasks/);
    expect(e.message).toMatch(/404 \(session not found\)/);
    expect(e.message).toMatch(
      /Use sessionMode 'stateless'.*or run exactly one task \(`autoScaling: false` with `desiredCount: 1`/,
    );
    expect(e.message).toContain('-c autoScaling=false -c desiredCount=1');
    expect(() => build({ serverSettings: stateful, autoScaling: false })).toThrow(/this service runs 2 tasks/);
    expect(() => build({ serverSettings: stateful, autoScaling: false, desiredCount: 3 })).toThrow(
      /this service runs 3 tasks/,
    );
    expect(() => build({ serverSettings: stateful, autoScaling: { minCapacity: 1, maxCapacity: 2 } })).toThrow(
      /this service runs 1 to 2 tasks/,
    );
  });

  test('accepted on exactly one task: a fixed count of 1, or autoscaling between 1 and 1', () => {
    expect(() => build({ serverSettings: stateful, autoScaling: false, desiredCount: 1 })).not.toThrow();
    expect(() => build({ serverSettings: stateful, autoScaling: { minCapacity: 1, maxCapacity: 1 } })).not.toThrow();
    // stateless (the default) runs on any number of tasks
    expect(() => build({ autoScaling: false, desiredCount: 3 })).not.toThrow();
  });

  test('the app says the same with -c sessionMode=stateful, and accepts one task', () => {
    const stack = newStack();
    const ctx = readAppContext(
      (k: ContextKey) =>
        (
          ({
            certificateArn: CERT_ARN,
            oauthIssuer: ISSUER,
            image: 'public.ecr.aws/x/y:1',
            sessionMode: 'stateful',
          }) as Record<string, string>
        )[k],
      REGION,
    );
    expect(() => new McpFargateService(stack, 'Mcp', servicePropsFromContext(ctx)(stack))).toThrow(
      /needs exactly one task.*-c autoScaling=false -c desiredCount=1/s,
    );
    const one = readAppContext(
      (k: ContextKey) =>
        (
          ({
            certificateArn: CERT_ARN,
            oauthIssuer: ISSUER,
            image: 'public.ecr.aws/x/y:1',
            sessionMode: 'stateful',
            autoScaling: 'false',
            desiredCount: '1',
          }) as Record<string, string>
        )[k],
      REGION,
    );
    const stack2 = newStack();
    expect(() => new McpFargateService(stack2, 'Mcp', servicePropsFromContext(one)(stack2))).not.toThrow();
  });
});

describe('stateful sessions with a shared session store', () => {
  const stateful = settings({ sessionMode: 'stateful' });
  const urlSecret = (stack: Stack) =>
    secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Url',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:valkey-AbCdEf',
    );

  test('without a store, the refusal names the sessionStore prop and the context flag', () => {
    const e = errorOf(() => build({ serverSettings: stateful }));
    expect(e.message).toMatch(
      /or give the service a shared session store \(`sessionStore: true`.*-c sessionStore=true\)$/,
    );
  });

  test('with a store, stateful runs on any number of tasks: autoscaled, fixed, created or existing store', () => {
    expect(() => build({ serverSettings: stateful, sessionStore: true })).not.toThrow();
    expect(() =>
      build({ serverSettings: stateful, sessionStore: {}, autoScaling: false, desiredCount: 3 }),
    ).not.toThrow();
    expect(() =>
      build({
        serverSettings: stateful,
        sessionStore: { maxDataStorageGB: 5 },
        autoScaling: { minCapacity: 2, maxCapacity: 20 },
      }),
    ).not.toThrow();
    const stack = newStack();
    expect(() =>
      build({ serverSettings: stateful, sessionStore: { redisUrlSecret: urlSecret(stack) } }, stack),
    ).not.toThrow();
    // sessionStore: false is no store
    expect(() => build({ serverSettings: stateful, sessionStore: false })).toThrow(/needs exactly one task/);
  });

  test('REDIS_URL from the given secret (secretFields) is a shared store too; with sessionStore it is refused', () => {
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'S',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-AbCdEf',
    );
    const secretFields = [ENV.oauthClientSecret, ENV.redisUrl];
    expect(() => build({ serverSettings: stateful, secret: oauthSecret, secretFields }, stack)).not.toThrow();
    expect(() => build({ serverSettings: stateful, secretFields, sessionStore: true })).toThrow(
      /'REDIS_URL' comes from sessionStore: remove it from secretFields/,
    );
  });

  test('a store on one stateless task is refused: nothing would read it, and it is billed', () => {
    const oneTask = { autoScaling: false, desiredCount: 1 } as const;
    const e = errorOf(() => build({ ...oneTask, sessionStore: true }));
    expect(e.message).toMatch(
      /sessionStore is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several tasks/,
    );
    expect(e.message).toContain('this service runs one task');
    expect(e.message).toContain('-c sessionMode=stateful');
    const stack = newStack();
    expect(() =>
      build(
        {
          serverSettings: settings({ sessionMode: 'stateless' }),
          autoScaling: { minCapacity: 1, maxCapacity: 1 },
          sessionStore: { redisUrlSecret: urlSecret(stack) },
        },
        stack,
      ),
    ).toThrow(/sessionStore is used only by sessionMode 'stateful'.*billed cache that nothing reads/);
  });

  test('a store on several stateless tasks is accepted: it carries the listen notifications between them', () => {
    expect(() => build({ sessionStore: true })).not.toThrow(); // the default 2 to 10 autoscaled tasks
    expect(() => build({ autoScaling: false, desiredCount: 2, sessionStore: true })).not.toThrow();
    expect(() => build({ autoScaling: { minCapacity: 1, maxCapacity: 2 }, sessionStore: true })).not.toThrow();
    // A count not known before synthesis may be several.
    const stack = newStack();
    const count = new CfnParameter(stack, 'Tasks', { type: 'Number' }).valueAsNumber;
    expect(() => build({ autoScaling: false, desiredCount: count, sessionStore: true }, stack)).not.toThrow();
  });

  test('usage limits within what ElastiCache Serverless accepts; an existing store’s port', () => {
    expect(() => build({ serverSettings: stateful, sessionStore: { maxDataStorageGB: 0 } })).toThrow(
      /sessionStore.maxDataStorageGB must be a whole number from 1 to 5000, got 0/,
    );
    expect(() => build({ serverSettings: stateful, sessionStore: { maxDataStorageGB: 5001 } })).toThrow(
      /maxDataStorageGB/,
    );
    expect(() => build({ serverSettings: stateful, sessionStore: { maxEcpuPerSecond: 999 } })).toThrow(
      /sessionStore.maxEcpuPerSecond must be a whole number from 1000 to 15000000, got 999/,
    );
    expect(() =>
      build({ serverSettings: stateful, sessionStore: { maxDataStorageGB: 5000, maxEcpuPerSecond: 1000 } }),
    ).not.toThrow();
    const stack = newStack();
    expect(() =>
      build({ serverSettings: stateful, sessionStore: { redisUrlSecret: urlSecret(stack), port: 70000 } }, stack),
    ).toThrow(/sessionStore.port must be a TCP port/);
  });

  test('the app: -c sessionStore=true with -c sessionMode=stateful, or on several tasks; on one stateless task, a context error', () => {
    const base = { certificateArn: CERT_ARN, oauthIssuer: ISSUER, image: 'public.ecr.aws/x/y:1' };
    const ctx = readAppContext(
      (k: ContextKey) => (({ ...base, sessionMode: 'stateful', sessionStore: 'true' }) as Record<string, string>)[k],
      REGION,
    );
    expect(ctx.sessionStore).toBe(true);
    const stack = newStack();
    const mcp = new McpFargateService(stack, 'Mcp', servicePropsFromContext(ctx)(stack));
    expect(mcp.sessionStore?.redisUrlSecret).toBeDefined();
    expect(mcp.scaling).toBeDefined();
    const stateless = readAppContext(
      (k: ContextKey) => (({ ...base, sessionStore: 'true' }) as Record<string, string>)[k],
      REGION,
    );
    const statelessStack = newStack();
    const statelessMcp = new McpFargateService(
      statelessStack,
      'Mcp',
      servicePropsFromContext(stateless)(statelessStack),
    );
    expect(statelessMcp.sessionStore?.redisUrlSecret).toBeDefined();
    const oneTask = { ...base, sessionStore: 'true', autoScaling: 'false', desiredCount: '1' };
    const e = errorOf(() => readAppContext((k: ContextKey) => (oneTask as Record<string, string>)[k], REGION));
    expect(e.message).toContain(
      "-c sessionStore=true is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen " +
        'streams on several tasks',
    );
    expect(e.message).toContain('add -c sessionMode=stateful, or drop -c sessionStore=true');
    const oneAutoscaled = { ...base, sessionStore: 'true', minCapacity: '1', maxCapacity: '1' };
    expect(
      errorOf(() => readAppContext((k: ContextKey) => (oneAutoscaled as Record<string, string>)[k], REGION)).message,
    ).toContain('this service runs one task');
    expect(
      errorOf(() =>
        readAppContext((k: ContextKey) => (({ ...base, sessionStore: 'yes' }) as Record<string, string>)[k], REGION),
      ).message,
    ).toContain("-c sessionStore must be true or false, got 'yes'");
  });
});

describe('certificate region', () => {
  const US_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

  test("a certificate from another region than the stack's is refused at synth (an ALB needs one of its own region)", () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'UsCert', US_CERT);
    const e = errorOf(() => build({ certificate }, stack));
    expect(e.message).toBe(
      "McpFargateService 'Test/Mcp': the certificate is in us-east-1 but the load balancer is in eu-west-1: an Application Load Balancer needs an ACM certificate of its own region (request or import one in eu-west-1)",
    );
  });

  test('same region, a created certificate (a token) and a region-agnostic stack pass', () => {
    expect(() => build({})).not.toThrow(); // CERT_ARN is in eu-west-1, the stack's region
    const stack = newStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Z', {
      hostedZoneId: 'Z1',
      zoneName: 'example.com',
    });
    expect(() => build({ certificate: undefined, domainName: 'mcp.example.com', hostedZone }, stack)).not.toThrow();
    const agnostic = new Stack(newApp(), 'Agnostic');
    const bucket = s3.Bucket.fromBucketName(agnostic, 'Logs', 'my-logs');
    const certificate = acm.Certificate.fromCertificateArn(agnostic, 'UsCert', US_CERT);
    expect(
      () => new McpFargateService(agnostic, 'Mcp', { ...baseProps(agnostic), certificate, accessLogsBucket: bucket }),
    ).not.toThrow();
  });

  test('the app names the context key', () => {
    const e = errorOf(() =>
      readAppContext(
        (k: ContextKey) => (({ certificateArn: US_CERT, oauthIssuer: ISSUER }) as Record<string, string>)[k],
        'eu-west-1',
      ),
    );
    expect(e.message).toContain(
      '-c certificateArn: the certificate is in us-east-1 but the load balancer is in eu-west-1',
    );
  });
});

describe('capacity and the rest', () => {
  test('autoscaling bounds and desired count', () => {
    expect(() => build({ autoScaling: { minCapacity: 4, maxCapacity: 2 } })).toThrow(
      /maxCapacity \(2\) must be a whole number of at least minCapacity \(4\)/,
    );
    expect(() => build({ autoScaling: { minCapacity: 0 } })).toThrow(
      /minCapacity must be a whole number of at least 1/,
    );
    expect(() => build({ autoScaling: { cpuTargetPercent: 150 } })).toThrow(/cpuTargetPercent/);
    expect(() => build({ autoScaling: false, desiredCount: 0 })).toThrow(
      /desiredCount must be a whole number of at least 1/,
    );
    expect(() => build({ desiredCount: 20 })).toThrow(
      /desiredCount \(20\) must be within autoScaling minCapacity..maxCapacity \(2..10\)/,
    );
    // a minCapacity above the default maximum raises the maximum with it
    expect(resolveProps({ ...baseProps(newStack()), autoScaling: { minCapacity: 12 } }).autoScaling).toMatchObject({
      minCapacity: 12,
      maxCapacity: 12,
    });
  });

  test('WAF needs a regional web ACL', () => {
    expect(() => build({ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/cf/1' })).toThrow(
      /REGIONAL WAFv2 web ACL/,
    );
  });

  test('NAT gateways only for a created VPC, and at least one', () => {
    expect(() => build({ natGateways: 0 })).toThrow(/natGateways must be at least 1/);
  });

  test('a region-agnostic stack needs a region for the access-log bucket policy', () => {
    const stack = new Stack(newApp(), 'Agnostic');
    const e = errorOf(() => new McpFargateService(stack, 'Mcp', { ...baseProps(stack), image: testImage() }));
    expect(e.message).toMatch(/ALB access logging needs the stack's region.*env: \{ region \}/);
  });
});

describe('renamed props (issue 15: the same names as the Pulumi component)', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-AbCdEf';

  test('`secret` is the given secret; `oauthSecret`, its deprecated former name, still works; not both', () => {
    const stack = newStack();
    const given = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', ARN);
    const mcp = new McpFargateService(stack, 'Mcp', baseProps(stack, { secret: given }));
    expect(mcp.secret).toBe(given);
    const old = newStack();
    const oldGiven = secretsmanager.Secret.fromSecretCompleteArn(old, 'S', ARN);
    expect(new McpFargateService(old, 'Mcp', baseProps(old, { oauthSecret: oldGiven })).secret).toBe(oldGiven);
    const both = newStack();
    const twice = secretsmanager.Secret.fromSecretCompleteArn(both, 'S', ARN);
    expect(() => build({ secret: twice, oauthSecret: twice }, both)).toThrow(
      /pass `secret` only \(`oauthSecret` is its deprecated former name\)/,
    );
  });
});
