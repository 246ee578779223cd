import type { Environment } from '../config/load';
import { REDIS_CACHE_APP_USER } from './endpoints';

// The ACL users of our Redis servers and Sentinels: who may run what. Rendered as users.conf /
// sentinel-users.conf in the ConfigMap (rules only); the start scripts add each user's passwords
// from the mounted Secret, and the agents keep them in step with the Secret while running.
// Every rule here was checked against Valkey 9.1 (ACL CAT) and is exercised by the integration
// tests with the real servers (test/integration/redis).

/** The user the pods' own scripts (agents, probes, preStop) log in as. */
export const REDIS_AGENT_USER = 'agent';
/** The user replicas log in to their primary as (masteruser). */
export const REDIS_REPLICATION_USER = 'replication';
/** The user the Sentinels log in to the servers and to each other as. */
export const REDIS_SENTINEL_USER = 'sentinel';
/** The user of the metrics exporter sidecar. */
export const REDIS_EXPORTER_USER = 'exporter';

/**
 * Where a user's passwords come from:
 * - `application`: the Secret's `password` (and `next-password` / `previous-password` during a
 *   rotation), what Superset and Celery hold;
 * - `internal`: derived per user from `internal-password` (and its next/previous), which only
 *   the Redis pods read: sha256("<user>:<internal-password>"), so each internal user has its own;
 * - `exporter`: the Secret's `exporter-password`, which only the exporter sidecar reads;
 * - `none`: no password, the user is off.
 */
export type AclPasswordSource = 'application' | 'internal' | 'exporter' | 'none';

export interface AclUser {
  readonly name: string;
  readonly password: AclPasswordSource;
  /** ACL rules after the passwords (key patterns, channels, commands). */
  readonly rules: string;
  readonly why: string;
}

/**
 * What an application may run: everything but the administrative and dangerous commands
 * (CONFIG, ACL, FLUSHALL/FLUSHDB, KEYS, DEBUG, SHUTDOWN, REPLICAOF, CLUSTER changes, MONITOR,
 * CLIENT KILL and ROLE among them; `ACL CAT dangerous` lists them), except INFO: redis-py's
 * cluster client (4.x) checks cluster_enabled with it before it reads the slots, and INFO
 * shows no secret.
 */
const APPLICATION_COMMANDS = '+@all -@admin -@dangerous +info';

const AGENT: AclUser = {
  name: REDIS_AGENT_USER,
  password: 'internal',
  rules: '~* &* +@all',
  why: 'the pod\'s own scripts: cluster creation and healing, failover handovers, probes, applying rotated passwords',
};
const REPLICATION: AclUser = {
  name: REDIS_REPLICATION_USER,
  password: 'internal',
  rules: 'resetchannels -@all +ping +psync +sync +replconf',
  why: 'a replica reading its primary\'s replication stream (masteruser)',
};
/**
 * The redis_exporter commands of its own README, less what could change state or read a value:
 * no CLIENT KILL, EVAL, GET or CONFIG GET (which would show masterauth); key commands read-only
 * (%R~*) and only those that return sizes (the queue lengths the backlog alert watches).
 */
const EXPORTER: AclUser = {
  name: REDIS_EXPORTER_USER,
  password: 'exporter',
  rules: 'resetchannels %R~* -@all +ping +select +client|setname +client|setinfo +client|id +info +cluster|info +slowlog|get +slowlog|len +latency|latest +latency|histogram +memory|usage +type +exists +strlen +llen +scard +zcard +hlen +xlen +pfcount +xinfo|stream +scan',
  why: 'the metrics sidecar: INFO, sizes of keys, no values',
};

/** Users of every redis-cache node. */
export function cacheAclUsers(): AclUser[] {
  return [
    { name: 'default', password: 'none', rules: 'resetkeys resetchannels -@all', why: 'off: every client names its user' },
    {
      name: REDIS_CACHE_APP_USER,
      password: 'application',
      rules: `~superset_* resetchannels ${APPLICATION_COMMANDS}`,
      why: 'Superset\'s caches and SQL Lab results: keys of its own prefixes (superset_*), no pub/sub, no administrative or dangerous command',
    },
    AGENT,
    REPLICATION,
    EXPORTER,
  ];
}

/** The commands a Sentinel runs on the servers it monitors (per the Sentinel documentation's ACL example). */
const SENTINEL_ON_SERVERS = 'resetkeys &* -@all +ping +info +role +multi +exec +slaveof +replicaof +config|rewrite +client|setname +client|kill +script|kill +subscribe +publish';

/** Users of every redis-queue server. */
export function queueAclUsers(env: Environment): AclUser[] {
  return [
    {
      name: 'default',
      password: 'application',
      rules: `~* &* ${APPLICATION_COMMANDS}`,
      why: 'Celery, Superset\'s coordination, async-query and session backends, the rate limiter and Flower: Superset 6.1\'s own Redis backends (async queries, coordination) and flask-caching\'s Sentinel client send a password without a user name, so the application is the default user, restricted; Celery\'s key names are its own, hence every key',
    },
    AGENT,
    REPLICATION,
    ...(env.config.redis.queue.mode === 'sentinel'
      ? [{ name: REDIS_SENTINEL_USER, password: 'internal' as const, rules: SENTINEL_ON_SERVERS, why: 'the Sentinels: watch the servers, promote a replica, repoint the others' }]
      : []),
    EXPORTER,
  ];
}

/** Users of every redis-queue Sentinel. */
export function sentinelAclUsers(): AclUser[] {
  return [
    {
      name: 'default',
      password: 'application',
      rules: 'resetchannels -@all +ping +client|setname +client|setinfo +sentinel|get-master-addr-by-name +sentinel|masters +sentinel|master +sentinel|replicas +sentinel|slaves +sentinel|sentinels',
      why: 'clients finding the primary: the Sentinel queries only (redis-py sends the Sentinels a password without a user name)',
    },
    AGENT,
    {
      name: REDIS_SENTINEL_USER,
      password: 'internal',
      rules: '&* -@all +ping +info +role +publish +subscribe +client|setname +client|setinfo +sentinel|is-master-down-by-addr +sentinel|myid',
      why: 'the other Sentinels: hellos, and the votes of a failover',
    },
  ];
}

/** users.conf: one user per line, `<name> <password source> <rules>`, read by the start scripts. */
export function renderAclUsers(env: Environment, what: string, users: AclUser[]): string {
  return [
    `# ACL users of ${what} (environment "${env.name}"), generated by superset-k8s: do not edit.`,
    '# <user> <password source> <rules>: the start scripts add the passwords from the Secret',
    '# (application: password; internal: derived from internal-password; exporter: exporter-password;',
    '# none: the user is off) and the agents keep them in step with it.',
    ...users.flatMap((u) => [`# ${u.name}: ${u.why}.`, `${u.name} ${u.password} ${u.rules}`]),
    '',
  ].join('\n');
}
