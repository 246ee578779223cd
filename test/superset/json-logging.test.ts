import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { renderSupersetConfig } from '../../lib/superset/config-py';
import { renderGunicornLogging } from '../../lib/superset/json-logging';
import { checkPolicies } from '../../lib/policy';
import { buildObjects, envVar, find, UNIT_PYTHON_STUBS } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// superset.logFormat "json": the generated Python is run for real (with the stubs of
// test/fixtures/python-stubs) and every line it logs must parse as JSON.

const base: EnvironmentOverrides = { superset: { image: { repository: 'ghcr.io/acme/superset' } }, edge: { host: 'bi.acme.com' } };
const json: EnvironmentOverrides = { ...base, superset: { ...base.superset, logFormat: 'json' } } as EnvironmentOverrides;
const FAKE_ENV = {
  DATABASE_USER: 'superset', DATABASE_PASSWORD: 'not-a-secret', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'test-secret-key-not-real-padded-to-48-bytes-xx', REDIS_CACHE_PASSWORD: 'x', REDIS_QUEUE_PASSWORD: 'y',
  GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'x'.repeat(32), SUPERSET_COMPONENT: 'web',
};

/** Runs `driver` (Python) with the generated file at sys.argv[1]; returns what it wrote to stderr and stdout. */
function runPython(fileText: string, driver: string): { stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'json-logging-'));
  try {
    const file = path.join(dir, 'generated.py');
    fs.writeFileSync(file, fileText);
    const r = spawnSync('python3', ['-B', '-c', driver, file], {
      env: { PATH: process.env.PATH, PYTHONPATH: UNIT_PYTHON_STUBS, ...FAKE_ENV }, encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`python exited ${r.status}: ${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

const LOAD = `
import importlib.util, logging, sys
spec = importlib.util.spec_from_file_location("generated", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
`;

describe('superset.logFormat', () => {
  test('default "text": no configurator, no gunicorn file, GUNICORN_CMD_ARGS as before', () => {
    const text = renderSupersetConfig('test', resolveEnvironment('test', base).config);
    expect(text).not.toMatch(/LOGGING_CONFIGURATOR|JsonFormatter/);
    const objects = buildObjects(base);
    expect(Object.keys(find(objects, 'ConfigMap', 'superset-config').data)).not.toContain('gunicorn_logging.py');
    const web = find(objects, 'Deployment', 'superset-web').spec.template.spec.containers.find((c: any) => c.name === 'web');
    expect(envVar(web, 'GUNICORN_CMD_ARGS').value).not.toMatch(/--config/);
  });

  test('"json": Superset\'s LOGGING_CONFIGURATOR writes one JSON object per line, once, with extra fields and the exception', () => {
    const config = renderSupersetConfig('test', resolveEnvironment('test', json).config);
    const { stderr } = runPython(config, `${LOAD}
# What Superset does at start-up (superset/initialization): a handler was there before, e.g. basicConfig's.
logging.basicConfig(format="%(message)s")
module.LOGGING_CONFIGURATOR.configure_logging({"LOG_LEVEL": "INFO", "SILENCE_FAB": True}, False)
logging.getLogger("superset.views").info('a "quoted" line\\nwith a newline: %s', "ü", extra={"user_id": 7})
logging.getLogger("superset.views").debug("below the level")
logging.getLogger("celery.worker").warning("celery too")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("superset.tasks").exception("task failed")
`);
    const out = lines(stderr);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'INFO', logger: 'superset.views', message: 'a "quoted" line\nwith a newline: ü', process: expect.any(Number), user_id: 7 });
    expect(out[1]).toMatchObject({ level: 'WARNING', logger: 'celery.worker', message: 'celery too' });
    expect(out[2]).toMatchObject({ level: 'ERROR', logger: 'superset.tasks', message: 'task failed', exception: expect.stringMatching(/ZeroDivisionError/) });
  });

  test('"json": gunicorn\'s error and access logs are JSON lines, the access fields from gunicorn\'s atoms', () => {
    const objects = buildObjects(json);
    const cm = find(objects, 'ConfigMap', 'superset-config').data;
    expect(cm['gunicorn_logging.py']).toBe(renderGunicornLogging(resolveEnvironment('test', json).config));
    const web = find(objects, 'Deployment', 'superset-web').spec.template.spec.containers.find((c: any) => c.name === 'web');
    expect(envVar(web, 'GUNICORN_CMD_ARGS').value).toMatch(/ --config \/etc\/superset\/gunicorn_logging\.py$/);
    const { stdout, stderr } = runPython(cm['gunicorn_logging.py'], `${LOAD}
import logging.config
logging.config.dictConfig(module.logconfig_dict)
# As gunicorn's glogging.Logger.access() logs: the format, with the atoms as the mapping argument.
atoms = {"h": "10.0.0.7", "m": "GET", "U": "/api/v1/chart/", "q": "q=(page:0)", "H": "HTTP/1.1", "r": "GET /api/v1/chart/?q=(page:0) HTTP/1.1",
         "s": "200", "B": 512, "D": 12345, "f": "-", "a": 'Mozilla "quoted"', "{x-forwarded-for}i": "203.0.113.9"}
logging.getLogger("gunicorn.access").info(module.access_log_format, atoms)
logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 42)
`);
    const [access] = lines(stdout);
    expect(access).toMatchObject({ level: 'INFO', logger: 'gunicorn.access', message: '10.0.0.7 "GET /api/v1/chart/?q=(page:0) HTTP/1.1" 200 512 12345us', remote_addr: '10.0.0.7', method: 'GET', path: '/api/v1/chart/', status: '200', response_bytes: 512, duration_us: 12345, user_agent: 'Mozilla "quoted"', forwarded_for: '203.0.113.9' });
    expect(access.referer).toBeUndefined(); // "-" is gunicorn's "none"
    expect(lines(stderr)).toEqual([expect.objectContaining({ logger: 'gunicorn.error', message: 'Booting worker with pid: 42' })]);
  });

  test('"json": every policy rule holds', () => {
    expect(checkPolicies(buildObjects(json))).toEqual([]);
  });

  test('rejects an unknown format', () => {
    expect(() => resolveEnvironment('prod', { ...base, superset: { ...base.superset, logFormat: 'logfmt' } } as unknown as EnvironmentOverrides)).toThrow(/superset\.logFormat[\s\S]*"text", "json"/);
  });
});
