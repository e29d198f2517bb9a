/** The autoscaling rules the CDK construct and the Pulumi component share. */
import { TASK_AUTO_SCALING_DEFAULTS, resolveTaskScalingTargets } from '../../../infra/shared/auto-scaling';

const fail = (message: string): never => {
  throw new Error(message);
};

test('defaults, and a minimum above the default maximum raises the maximum with it', () => {
  expect(resolveTaskScalingTargets({}, fail)).toEqual({
    minCapacity: 2,
    maxCapacity: 10,
    requestsPerTarget: 1000,
    cpuTargetPercent: 60,
  });
  expect(resolveTaskScalingTargets({ minCapacity: 12 }, fail)).toMatchObject({ minCapacity: 12, maxCapacity: 12 });
  expect(resolveTaskScalingTargets({ minCapacity: 3, maxCapacity: 4 }, fail)).toMatchObject({
    minCapacity: 3,
    maxCapacity: 4,
  });
  expect(TASK_AUTO_SCALING_DEFAULTS.scaleInCooldownSeconds).toBeGreaterThan(
    TASK_AUTO_SCALING_DEFAULTS.scaleOutCooldownSeconds,
  );
});

test.each([
  [{ minCapacity: 0 }, 'autoScaling.minCapacity must be a whole number of at least 1, got 0'],
  [{ minCapacity: 1.5 }, 'autoScaling.minCapacity must be a whole number of at least 1, got 1.5'],
  [
    { minCapacity: 4, maxCapacity: 2 },
    'autoScaling.maxCapacity (2) must be a whole number of at least minCapacity (4)',
  ],
  [{ requestsPerTarget: 0 }, 'autoScaling.requestsPerTarget must be positive, got 0'],
  [{ cpuTargetPercent: 150 }, 'autoScaling.cpuTargetPercent must be from 1 to 100, got 150'],
])('%j is refused with one sentence', (given, message) => {
  expect(() => resolveTaskScalingTargets(given, fail)).toThrow(message);
});
