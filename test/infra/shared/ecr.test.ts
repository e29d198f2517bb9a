/** Which image URIs name a private ECR repository, and which repository (the one pull rights are scoped to). */
import { parseEcrImage } from '../../../infra/shared/ecr';

test('an ECR URI names its repository, with namespaces, tag or digest', () => {
  expect(parseEcrImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/mcp:1.4.0')).toEqual({
    account: '123456789012',
    region: 'eu-west-1',
    partition: 'aws',
    repositoryName: 'team/mcp',
    repositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/mcp',
    tagOrDigest: '1.4.0',
  });
  const digest = `sha256:${'a'.repeat(64)}`;
  expect(parseEcrImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp@${digest}`)?.tagOrDigest).toBe(digest);
  expect(parseEcrImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp:1.0@${digest}`)?.tagOrDigest).toBe(digest);
  expect(parseEcrImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp')?.tagOrDigest).toBe('latest');
});

test('FIPS, dual-stack, China and GovCloud registries map to their partition', () => {
  expect(parseEcrImage('123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/mcp:1')?.repositoryArn).toBe(
    'arn:aws:ecr:us-east-1:123456789012:repository/mcp',
  );
  expect(parseEcrImage('123456789012.dkr-ecr.eu-west-1.on.aws/mcp:1')?.repositoryArn).toBe(
    'arn:aws:ecr:eu-west-1:123456789012:repository/mcp',
  );
  expect(parseEcrImage('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/mcp:1')?.repositoryArn).toBe(
    'arn:aws-cn:ecr:cn-north-1:123456789012:repository/mcp',
  );
  expect(parseEcrImage('123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/mcp:1')?.repositoryArn).toBe(
    'arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/mcp',
  );
});

test('other registries, ECR Public and look-alikes are not private ECR', () => {
  for (const image of [
    'public.ecr.aws/x/y:1',
    'ghcr.io/example/remote-mcp:1.0.0',
    'node:24-slim',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example/mcp:1',
    '12345.dkr.ecr.eu-west-1.amazonaws.com/mcp:1',
    '${Token[TOKEN.123]}',
  ]) {
    expect(parseEcrImage(image)).toBeUndefined();
  }
});
