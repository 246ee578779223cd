import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from '../config/load';
import { ComponentIdentity, recommendedLabels } from '../workload/labels';
import type { RunAs } from '../workload/pod-security';
import type * as k8s from '../../imports/k8s';
import { POSTGRES_MEMBERS_SERVICE, POSTGRES_REPLICAS_SERVICE } from './endpoints';

// Names, identities, users and paths shared by the Postgres (Patroni) and PgBouncer constructs.

/** Spilo's "postgres" user (uid 101, gid 103): owns the binaries' runtime paths in the image. */
export const SPILO_RUN_AS: RunAs = { uid: 101, gid: 103 };
/** The "pgbouncer" user of the CloudNativePG PgBouncer image. */
export const PGBOUNCER_RUN_AS: RunAs = { uid: 998, gid: 996 };
/** The exporter image is a static binary run as "nobody". */
export const EXPORTER_RUN_AS: RunAs = { uid: 65534, gid: 65534 };

/** Patroni cluster name (scope): its DCS ConfigMaps are <scope>-leader, -config, -failover, -sync. */
export const PATRONI_SCOPE = 'postgres';
/** Label Patroni adds to its selector and its ConfigMaps with the scope as value. */
export const PATRONI_SCOPE_LABEL = 'cluster-name';
/** Label Patroni 4 writes on every member pod: "primary" on the leader, "replica" on the others. */
export const PATRONI_ROLE_LABEL = 'role';
export const PATRONI_ROLE = { primary: 'primary', replica: 'replica' } as const;
export const PATRONI_API_PORT = 8008;

export const POSTGRES_NAMES = {
  serviceAccount: 'postgres',
  role: 'postgres-patroni',
  configMap: 'postgres-patroni',
  statefulSet: 'postgres',
  /** Headless Service of the members (the StatefulSet's serviceName). */
  membersService: POSTGRES_MEMBERS_SERVICE,
  replicasService: POSTGRES_REPLICAS_SERVICE,
} as const;

export const PGBOUNCER_NAMES = { serviceAccount: 'pgbouncer', configMap: 'pgbouncer', deployment: 'pgbouncer' } as const;

/** Paths inside the Patroni container. */
export const PATRONI_PATHS = {
  configDir: '/etc/patroni',
  configFile: '/etc/patroni/patroni.yml',
  scriptsDir: '/etc/patroni/scripts',
  /** The PersistentVolume; the data directory is a subfolder so initdb can own it (mode 0700). */
  volume: '/home/postgres/pgdata',
  dataDir: '/home/postgres/pgdata/pgroot/data',
  socketDir: '/var/run/postgresql',
  pgpass: '/tmp/pgpass',
} as const;

/** Paths inside the PgBouncer container. */
export const PGBOUNCER_PATHS = {
  configDir: '/etc/pgbouncer',
  ini: '/etc/pgbouncer/pgbouncer.ini',
  scriptsDir: '/etc/pgbouncer/scripts',
  /** Memory-backed emptyDir holding the auth file written at start from Secrets. */
  runDir: '/run/pgbouncer',
  authFile: '/run/pgbouncer/userlist.txt',
} as const;

export const PGBOUNCER_METRICS_PORT = 9127;

export function postgresIdentity(env: Environment): ComponentIdentity {
  return { name: 'postgres', instance: env.config.instance, component: 'database', version: env.config.postgres.image.tag };
}

export function pgbouncerIdentity(env: Environment): ComponentIdentity {
  return { name: 'pgbouncer', instance: env.config.instance, component: 'connection-pooler', version: env.config.pgbouncer.image.tag };
}

export function meta(env: Environment, name: string, id: ComponentIdentity): k8s.ObjectMeta & { readonly name: string } {
  return { name, namespace: env.namespace, labels: recommendedLabels(id) };
}

export function imageRef(i: { repository: string; tag: string; digest?: string }): string {
  return `${i.repository}:${i.tag}${i.digest ? `@${i.digest}` : ''}`;
}

/** The shell scripts that run inside the pods: real files, loaded into ConfigMaps at synth. */
export const SCRIPTS_DIR = path.join(__dirname, 'scripts');
export function readScript(name: string): string {
  return fs.readFileSync(path.join(SCRIPTS_DIR, name), 'utf8');
}
