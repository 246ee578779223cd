import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS } from '../../lib/edge/defaults';
import { buildObjects, envVar, find } from '../helpers';
import { ENVIRONMENTS } from '../../environments';

// Cross-field rules of Superset's settings that keep timeouts consistent with each other.

describe('superset timing rules', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['migration wait not below the Job deadline', { superset: { migrations: { dependencyTimeoutSeconds: 1800, activeDeadlineSeconds: 1800 } } },
      /superset\.migrations\.dependencyTimeoutSeconds = 1800\s+rule: must be below superset\.migrations\.activeDeadlineSeconds \(1800\)[\s\S]*fix: {2}lower superset\.migrations\.dependencyTimeoutSeconds to 900 or raise superset\.migrations\.activeDeadlineSeconds above 1800/],
    ['gunicorn keep-alive not above NGINX\'s upstream keepalive_timeout', { superset: { web: { gunicorn: { keepAliveSeconds: 60 } } } },
      /superset\.web\.gunicorn\.keepAliveSeconds = 60\s+rule: must be above NGINX's upstream keepalive_timeout \(60 s\)[\s\S]*fix: {2}raise superset\.web\.gunicorn\.keepAliveSeconds to 75/],
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

describe('keep-alive: the backend outlives the proxy', () => {
  test.each(Object.keys(ENVIRONMENTS))('%s: gunicorn keeps idle connections longer than NGINX reuses them', (name) => {
    const web = find(buildObjects(ENVIRONMENTS[name], name), 'Deployment', 'superset-web').spec.template.spec.containers[0];
    expect(Number(envVar(web, 'GUNICORN_KEEPALIVE').value)).toBeGreaterThan(NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS);
  });
});
