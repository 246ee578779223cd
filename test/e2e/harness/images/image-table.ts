import { parseImageReference } from './image-reference';
import type { RootRecipe, RootUser } from './root-recipe';

// Every image the manifests in dist/ use, and how a Debian root stands in for it. Keyed by
// repository: tags change with every bump, the stand-in does not (its package versions are
// reported next to the manifest's tag instead).
//
// Facts about the real images were read upstream (repository and file named in `sources`); where
// the stand-in cannot match them, `differences` says so.

/** One image: the real image's facts and the recipe of the root that stands in for it. */
export interface ImageSpec {
  /** Repositories (normalized as by parseImageReference) this entry answers for. */
  readonly repositories: readonly string[];
  readonly recipe: RootRecipe;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly differences: readonly string[];
  /** Where each fact about the real image was read. */
  readonly sources: readonly string[];
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NOTHING = { files: [], directories: [], symlinks: [], writes: [], locales: [] } as const;

function user(name: string, uid: number, gid: number, home: string, shell = '/usr/sbin/nologin'): RootUser {
  return { name, uid, group: name, gid, home, shell };
}

const SUPERSET: ImageSpec = {
  repositories: ['registry.example.com/superset-k8s/superset'],
  recipe: {
    name: 'superset',
    // Debian 13's versions are the closest to Superset 6.1's pins (celery 5.5.2, kombu 5.5.3,
    // flask-caching 2.3.1, cachelib 0.13.0, gunicorn 23.0.0, flask-talisman 1.1.0,
    // flask-limiter 3.12, psycopg2 2.9.10): test/e2e/standins/superset/README.md lists each.
    suite: 'trixie',
    packages: [
      'bash', 'ca-certificates', 'curl', 'python3',
      'python3-flask', 'python3-gunicorn', 'python3-celery', 'python3-kombu', 'python3-redis',
      'python3-flask-caching', 'python3-cachelib', 'python3-sqlalchemy', 'python3-psycopg2',
      'python3-alembic', 'python3-flask-limiter', 'python3-flask-talisman', 'python3-click',
      'python3-yaml', 'python3-statsd', 'python3-jwt', 'python3-cryptography',
    ],
    users: [user('superset', 1000, 1000, '/app/superset_home', '/bin/bash')],
    locales: [],
    files: [
      { from: 'test/e2e/standins/superset/superset', to: '/app/.venv/lib/python3.13/site-packages/superset' },
      { from: 'test/e2e/standins/superset/flask_appbuilder', to: '/app/.venv/lib/python3.13/site-packages/flask_appbuilder' },
      { from: 'test/e2e/standins/superset/bin', to: '/app/.venv/bin' },
      { from: 'test/e2e/standins/superset/run-server.sh', to: '/usr/bin/run-server.sh', mode: 0o755 },
    ],
    directories: [
      { path: '/app/superset_home', uid: 1000, gid: 1000, mode: 0o755 },
      { path: '/app/pythonpath', uid: 1000, gid: 1000, mode: 0o755 },
    ],
    symlinks: [
      { path: '/app/.venv/bin/python', target: '/usr/bin/python3' },
      { path: '/app/.venv/bin/python3', target: '/usr/bin/python3' },
    ],
    writes: [
      // A virtual environment over Debian's Python: /app/.venv/bin/python sees its own
      // site-packages (the stand-in) and the system's (the Debian libraries).
      { path: '/app/.venv/pyvenv.cfg', content: 'home = /usr/bin\ninclude-system-site-packages = true\n', mode: 0o644 },
    ],
    versionPackage: 'python3-flask',
  },
  entrypoint: [],
  cmd: ['/usr/bin/run-server.sh'],
  env: {
    PATH: `/app/.venv/bin:${DEFAULT_PATH}`,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    SUPERSET_ENV: 'production',
    FLASK_APP: 'superset.app:create_app()',
    PYTHONPATH: '/app/pythonpath',
    SUPERSET_HOME: '/app/superset_home',
    SUPERSET_PORT: '8088',
  },
  workingDir: '/app',
  user: { uid: 1000, gid: 1000 },
  differences: [
    'Superset itself is a stand-in package (test/e2e/standins/superset, see its README): the real Flask, gunicorn, Celery, kombu, redis-py, flask-caching, SQLAlchemy and psycopg2 from Debian 13, with Superset\'s config loading, caches, Celery app and the CLI commands the manifests run; no UI, no real migrations, no chart engine',
    'Python is Debian 13\'s CPython 3.13 in a virtual environment at /app/.venv over the system site-packages, not the image\'s own CPython build',
    'library versions are Debian 13\'s, not Superset 6.1\'s pins (SQLAlchemy 2.0 for 1.4, Flask 3.1 for 2.3, redis-py 6.1 for the 5.x the image installs): the stand-in README lists each',
    'Flask-AppBuilder is not packaged in Debian: a minimal flask_appbuilder.security.manager module provides the AUTH_* constants only',
  ],
  sources: [
    'apache/superset Dockerfile (lean stage): USER superset created by useradd --user-group (uid/gid 1000, checked by images/superset/Dockerfile), SUPERSET_HOME=/app/superset_home, FLASK_APP="superset.app:create_app()", PYTHONPATH=/app/pythonpath, SUPERSET_PORT=8088, WORKDIR /app, CMD ["/usr/bin/run-server.sh"]',
    'apache/superset docker/entrypoints/run-server.sh: the gunicorn flags each SERVER_*/GUNICORN_*/WORKER_* variable sets',
    'images/superset/Dockerfile (this repository): the uv virtual environment at /app/.venv (PATH), psycopg2-binary and statsd at exact versions, the redis-py of the official image (the version Superset pins)',
  ],
};

const OPS: ImageSpec = {
  repositories: ['registry.example.com/superset-k8s/superset-ops'],
  recipe: {
    name: 'superset-ops',
    suite: 'sid',
    packages: ['age', 'bash', 'ca-certificates', 'curl', 'git', 'openssh-client', 'unzip', 'locales', 'postgresql-18', 'postgresql-client-18'],
    users: [user('postgres', 999, 999, '/var/lib/postgresql', '/bin/bash')],
    ...NOTHING,
    locales: ['en_US.UTF-8'],
    directories: [{ path: '/var/lib/postgresql', uid: 999, gid: 999, mode: 0o755 }],
    versionPackage: 'postgresql-18',
  },
  entrypoint: [],
  cmd: ['/bin/bash'],
  env: {
    PATH: `${DEFAULT_PATH}:/usr/lib/postgresql/18/bin`,
    LANG: 'en_US.utf8',
    PG_MAJOR: '18',
    PGDATA: '/var/lib/postgresql/18/docker',
  },
  workingDir: '/',
  user: { uid: 999, gid: 999 },
  differences: [
    'PostgreSQL 18 from Debian unstable instead of the PGDG build of the postgres:18-bookworm image (same major; the ops scripts require only the major)',
    'Debian unstable instead of bookworm underneath (age, curl, git, OpenSSH and unzip are newer; the Dockerfile pins bookworm\'s age 1.1.1)',
    'the postgres image\'s docker-entrypoint.sh and gosu are absent (images/ops/Dockerfile sets ENTRYPOINT [] and every CronJob sets its command)',
  ],
  sources: [
    'images/ops/Dockerfile (this repository): FROM postgres:18-bookworm, ENTRYPOINT [], USER 999:999, CMD ["/bin/bash"], age, curl with --aws-sigv4, git, openssh-client (ssh-keygen -Y), unzip',
    'docker-library/postgres 18/bookworm/Dockerfile: groupadd/useradd postgres --gid/--uid 999, home /var/lib/postgresql, ENV PG_MAJOR 18, PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin, LANG en_US.utf8, PGDATA /var/lib/postgresql/18/docker',
  ],
};

const SPILO: ImageSpec = {
  repositories: ['ghcr.io/zalando/spilo-18'],
  recipe: {
    name: 'spilo-18',
    suite: 'sid',
    // python3-etcd and python3-dnspython: Patroni's etcd3 DCS (the integration tests' DCS) imports
    // them; Spilo installs Patroni with its etcd extra too.
    packages: ['bash', 'ca-certificates', 'curl', 'locales', 'lz4', 'python3', 'patroni', 'python3-etcd', 'python3-dnspython', 'postgresql-18', 'postgresql-client-18'],
    users: [user('postgres', 101, 103, '/home/postgres', '/bin/bash')],
    ...NOTHING,
    locales: ['en_US.UTF-8'],
    files: [{ from: 'test/e2e/standins/wal-g/wal-g', to: '/usr/local/bin/wal-g', mode: 0o755 }],
    directories: [
      { path: '/home/postgres', uid: 101, gid: 103, mode: 0o755 },
      { path: '/home/postgres/pgdata', uid: 101, gid: 103, mode: 0o700 },
    ],
    versionPackage: 'patroni',
  },
  entrypoint: [],
  cmd: ['/bin/sh', '/launch.sh', 'init'],
  env: {
    PATH: `${DEFAULT_PATH}:/usr/lib/postgresql/18/bin`,
    LC_ALL: 'en_US.utf-8',
    PGHOME: '/home/postgres',
    RW_DIR: '/run',
    DEMO: 'false',
    WALE_ENV_DIR: '/run/etc/wal-e.d/env',
    LOG_ENV_DIR: '/run/etc/log.d/env',
    PGROOT: '/home/postgres/pgdata/pgroot',
    PGDATA: '/home/postgres/pgdata/pgroot/data',
    PGLOG: '/home/postgres/pgdata/pgroot/pg_log',
    USE_OLD_LOCALES: 'false',
  },
  workingDir: '/home/postgres',
  user: { uid: 0, gid: 0 },
  differences: [
    'Patroni and PostgreSQL 18 from Debian unstable (/usr/bin/patroni, /usr/lib/postgresql/18/bin) instead of Spilo\'s pip-installed Patroni on Ubuntu; same bin_dir as patroni.yml names',
    'WAL-G is not packaged in Debian: /usr/local/bin/wal-g is a stand-in script (test/e2e/standins/wal-g) with only wal-push, wal-fetch, backup-push, backup-list and delete retain FULL, against S3 through curl --aws-sigv4; its object layout imitates WAL-G\'s but is not compatible with it',
    'Spilo\'s launch.sh, configure_spilo.py, runit services, cron and extensions are absent: the manifests run `patroni /etc/patroni/patroni.yml` directly',
  ],
  sources: [
    'zalando/spilo postgres-appliance/Dockerfile: no USER (starts as root, launch.sh switches to postgres), WORKDIR $PGHOME=/home/postgres, PGROOT=$PGHOME/pgdata/pgroot, PGDATA=$PGROOT/data, PATH $PATH:/usr/lib/postgresql/$PGVERSION/bin, LC_ALL=en_US.utf-8, CMD ["/bin/sh", "/launch.sh", "init"], wal-g copied to /usr/local/bin',
    'postgres uid/gid 101/103: created by the Ubuntu postgresql-common package in the image, as the manifests\' runAsUser/runAsGroup expect',
  ],
};

const PGBOUNCER: ImageSpec = {
  repositories: ['ghcr.io/cloudnative-pg/pgbouncer'],
  recipe: {
    name: 'pgbouncer',
    suite: 'sid',
    packages: ['ca-certificates', 'pgbouncer', 'postgresql-client-18'],
    users: [user('pgbouncer', 998, 996, '/home/pgbouncer')],
    ...NOTHING,
    files: [{ from: 'test/e2e/standins/pgbouncer/entrypoint.sh', to: '/entrypoint.sh', mode: 0o755 }],
    directories: [
      { path: '/var/run/pgbouncer', uid: 998, gid: 996, mode: 0o755 },
      { path: '/var/log/pgbouncer', uid: 998, gid: 996, mode: 0o755 },
    ],
    symlinks: [{ path: '/usr/bin/pgbouncer', target: '/usr/sbin/pgbouncer' }],
    versionPackage: 'pgbouncer',
  },
  entrypoint: ['./entrypoint.sh'],
  cmd: [],
  env: { PATH: DEFAULT_PATH },
  workingDir: '/',
  user: { uid: 998, gid: 996 },
  differences: [
    'PgBouncer from Debian unstable instead of the PGDG build on Debian 13 (the image tag names the PGDG version)',
    '/entrypoint.sh is the stand-in\'s own script with the same behaviour (runs /usr/bin/pgbouncer /etc/pgbouncer/pgbouncer.ini)',
  ],
  sources: [
    'cloudnative-pg/pgbouncer-containers Dockerfile: FROM debian:trixie-slim, pgbouncer from apt.postgresql.org, ln -s /usr/sbin/pgbouncer /usr/bin/pgbouncer, groupadd --gid 996 / useradd --uid 998 pgbouncer, /var/run/pgbouncer and /var/log/pgbouncer owned by it, USER pgbouncer, ENTRYPOINT ["./entrypoint.sh"]; docker-bake.hcl pins 1.25.2-1.pgdg13+1',
  ],
};

const VALKEY: ImageSpec = {
  repositories: ['docker.io/valkey/valkey'],
  recipe: {
    name: 'valkey',
    suite: 'sid',
    packages: ['valkey-server', 'valkey-tools', 'valkey-sentinel', 'tzdata'],
    users: [user('valkey', 999, 999, '/var/lib/valkey')],
    ...NOTHING,
    files: [{ from: 'test/e2e/standins/valkey/docker-entrypoint.sh', to: '/usr/local/bin/docker-entrypoint.sh', mode: 0o755 }],
    directories: [
      { path: '/data', uid: 999, gid: 999, mode: 0o1777 },
      { path: '/run/valkey', uid: 999, gid: 999, mode: 0o1777 },
    ],
    // The image has its binaries in /usr/local/bin: absolute paths keep working.
    symlinks: ['valkey-server', 'valkey-cli', 'valkey-sentinel', 'valkey-benchmark', 'valkey-check-aof', 'valkey-check-rdb'].map((b) => ({
      path: `/usr/local/bin/${b}`,
      target: `/usr/bin/${b}`,
    })),
    versionPackage: 'valkey-server',
  },
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['valkey-server'],
  env: { PATH: DEFAULT_PATH },
  workingDir: '/data',
  user: { uid: 0, gid: 0 },
  differences: [
    'Valkey from Debian unstable (/usr/bin, with /usr/local/bin symlinks for the image\'s paths) instead of the image\'s own build',
    'docker-entrypoint.sh is the stand-in\'s own script: it prepends valkey-server to option-only arguments like the real one, but does not chown /data or drop root (the manifests run as 999 themselves)',
    'no VALKEY_VERSION variable',
  ],
  sources: [
    'valkey-io/valkey-container 9.1/debian/Dockerfile: FROM debian:trixie-slim, groupadd -r -g 999 valkey / useradd -r -g valkey -u 999 valkey, binaries installed to /usr/local/bin (valkey-sentinel etc. symlinks of valkey-server), /data and /run/valkey 1777 owned by valkey, WORKDIR /data, ENTRYPOINT ["docker-entrypoint.sh"], CMD ["valkey-server"], no USER',
  ],
};

const REDIS_EXPORTER: ImageSpec = {
  repositories: ['docker.io/oliver006/redis_exporter'],
  recipe: {
    name: 'redis-exporter',
    suite: 'sid',
    packages: ['ca-certificates', 'prometheus-redis-exporter'],
    users: [],
    ...NOTHING,
    symlinks: [{ path: '/redis_exporter', target: '/usr/bin/prometheus-redis-exporter' }],
    versionPackage: 'prometheus-redis-exporter',
  },
  entrypoint: ['/redis_exporter'],
  cmd: [],
  env: { PATH: DEFAULT_PATH },
  workingDir: '/',
  user: { uid: 59000, gid: 59000 },
  differences: [
    'redis_exporter from Debian unstable (/redis_exporter is a symlink to /usr/bin/prometheus-redis-exporter) instead of the upstream static build on scratch',
    'a Debian root with a shell and coreutils instead of an empty scratch image',
  ],
  sources: ['oliver006/redis_exporter Dockerfile (scratch-release and alpine stages): /redis_exporter, USER 59000:59000, EXPOSE 9121, ENTRYPOINT [ "/redis_exporter" ]'],
};

const PGBOUNCER_EXPORTER: ImageSpec = {
  repositories: ['quay.io/prometheuscommunity/pgbouncer-exporter'],
  recipe: {
    name: 'pgbouncer-exporter',
    suite: 'sid',
    packages: ['prometheus-pgbouncer-exporter'],
    users: [],
    ...NOTHING,
    symlinks: [{ path: '/bin/pgbouncer_exporter', target: '/usr/bin/prometheus-pgbouncer-exporter' }],
    versionPackage: 'prometheus-pgbouncer-exporter',
  },
  entrypoint: ['/bin/pgbouncer_exporter'],
  cmd: [],
  env: { PATH: DEFAULT_PATH },
  workingDir: '/',
  user: { uid: 65534, gid: 65534 },
  differences: [
    'pgbouncer_exporter from Debian unstable (/bin/pgbouncer_exporter is a symlink to /usr/bin/prometheus-pgbouncer-exporter) instead of the upstream build on the Prometheus busybox image',
  ],
  sources: ['prometheus-community/pgbouncer_exporter Dockerfile: FROM quay.io/prometheus/busybox, /bin/pgbouncer_exporter, USER nobody, ENTRYPOINT ["/bin/pgbouncer_exporter"], EXPOSE 9127'],
};

const STATSD_EXPORTER: ImageSpec = {
  repositories: ['docker.io/prom/statsd-exporter'],
  recipe: {
    name: 'statsd-exporter',
    suite: 'sid',
    packages: ['python3', 'python3-prometheus-client', 'python3-yaml'],
    users: [],
    ...NOTHING,
    files: [{ from: 'test/e2e/standins/statsd-exporter/statsd_exporter', to: '/bin/statsd_exporter', mode: 0o755 }],
    versionPackage: 'python3-prometheus-client',
  },
  entrypoint: ['/bin/statsd_exporter'],
  cmd: [],
  env: { PATH: DEFAULT_PATH },
  workingDir: '/',
  user: { uid: 65534, gid: 65534 },
  differences: [
    'statsd_exporter is not packaged in Debian: /bin/statsd_exporter is a stand-in (test/e2e/standins/statsd-exporter) in Python with prometheus-client; it takes the flags the manifests pass (--statsd.listen-udp, --statsd.listen-tcp, --web.listen-address, --statsd.mapping-config) and glob mappings with name, labels and histogram/summary observers, not the whole mapping language',
  ],
  sources: ['prometheus/statsd_exporter Dockerfile: FROM quay.io/prometheus/busybox, /bin/statsd_exporter, USER 65534, EXPOSE 9102 9125 9125/udp, ENTRYPOINT [ "/bin/statsd_exporter" ]'],
};

/** Every image the manifests use. */
export const IMAGE_TABLE: readonly ImageSpec[] = [SUPERSET, OPS, SPILO, PGBOUNCER, VALKEY, REDIS_EXPORTER, PGBOUNCER_EXPORTER, STATSD_EXPORTER];

/** The table entry for an image reference (any tag); throws naming the image when there is none. */
export function imageSpecFor(image: string): ImageSpec {
  const { repository } = parseImageReference(image);
  const spec = IMAGE_TABLE.find((s) => s.repositories.includes(repository));
  if (!spec) {
    const known = IMAGE_TABLE.flatMap((s) => s.repositories).join(', ');
    throw new Error(
      `image "${image}" (repository ${repository}) has no stand-in: add an entry to test/e2e/harness/images/image-table.ts (known: ${known})`,
    );
  }
  return spec;
}
