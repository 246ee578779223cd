import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';

// Cross-field rules of Superset's settings that keep timeouts consistent with each other.

describe('superset timing rules', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['migration wait not below the Job deadline', { superset: { migrations: { dependencyTimeoutSeconds: 1800, activeDeadlineSeconds: 1800 } } },
      /superset\.migrations\.dependencyTimeoutSeconds = 1800\s+rule: must be below superset\.migrations\.activeDeadlineSeconds \(1800\)[\s\S]*fix: {2}lower superset\.migrations\.dependencyTimeoutSeconds to 900 or raise superset\.migrations\.activeDeadlineSeconds above 1800/],
    ['a queue in the async-event streams\' namespace', { superset: { workers: { 'async-events-x': { routes: ['x'] } } } },
      /superset\.workers\.async-events-x = "async-events-x"\s+rule: a queue name must not start with "async-events"/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override as EnvironmentOverrides)).toThrow(expected);
  });

  test('the defaults and every environment pass', () => {
    expect(() => resolveEnvironment('prod', {})).not.toThrow();
  });
});
