import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { PlatformConfig } from '../config/platform-schema';
import { EXTERNAL_REDIS_CA, externalRedisQueue, REDIS_QUEUE, REDIS_QUEUE_DB, REDIS_QUEUE_READERS } from '../redis/endpoints';
import { dataComponent } from '../workload/flow';
import { recommendedLabels, selectorLabels } from '../workload/labels';
import { bundleVolume, CA_BUNDLE_FILE, extendPodTemplate, podPlacement, resolveScheduling } from '../workload/pod-extension';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { ScaledDeployment } from '../workload/scaled-deployment';
import { ASYNC_EVENTS_STREAM_PREFIX, ASYNC_JWT_COOKIE_NAME, SUPERSET_SECRETS_DIR } from './defaults';
import { SUPERSET_WEBSOCKET } from './endpoints';
import { supersetWebsocketRefs } from './secrets';
import { projectedSecretsVolume, SupersetPodContext, supersetIdentity } from './superset-pod';

// Superset's websocket server (superset-websocket, a Node.js app) for the "ws" transport of async
// queries: browsers keep a websocket to it at <edge.host>/ws; it reads the async-event streams
// Superset writes to redis-queue and pushes each event to the sockets of its channel (the channel
// id is in the async-query JWT cookie, checked with the shared secret). It reads a config.json
// next to its dist/ folder (then env overrides); secrets must not sit in the environment, so an
// init container writes that file from the ConfigMap's settings and the Secret's files into a
// memory-backed volume, mounted read-only over the image's path.

export const WEBSOCKET_CONFIG_DIR = '/etc/superset-websocket';
/** Where the server looks for its config: `../config.json` from its dist/ folder in the image's WORKDIR. */
export const WEBSOCKET_SERVER_CONFIG = '/home/superset-websocket/config.json';
const RUN_DIR = '/run/superset-websocket';
const BASE_FILE = 'config.base.json';
const COMPOSE_FILE = 'compose-config.js';
/** The `node` user of the official Node.js images the websocket image is built on (uid/gid 1000). */
export const WEBSOCKET_RUN_AS: RunAs = { uid: 1000, gid: 1000 };

/** The websocket server image (superset.asyncQueries.websocket.image). */
export function websocketImage(config: PlatformConfig): string {
  const image = config.superset.asyncQueries.websocket.image;
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

/**
 * Where the server reads the event streams. It takes one host and port (no Sentinel), and only
 * reads (XREAD, XRANGE), which replicas serve: in sentinel mode a Service over every ready
 * redis-queue server. Superset 6.1's Sentinel backend writes its streams to db 0 whatever
 * CACHE_REDIS_DB says (docs/redis.md), its plain backend to the async-queries db.
 */
export function websocketRedis(config: PlatformConfig): { host: string; port: number; db: number; ssl: boolean; username: boolean } {
  const external = externalRedisQueue(config);
  if (external) return { host: external.host, port: external.port, db: REDIS_QUEUE_DB.asyncQueries, ssl: external.tls, username: Boolean(external.auth.usernameKey) };
  if (config.redis.queue.mode === 'sentinel') return { ...REDIS_QUEUE_READERS, db: 0, ssl: false, username: false };
  return { ...REDIS_QUEUE, db: REDIS_QUEUE_DB.asyncQueries, ssl: false, username: false };
}

/** The config.json settings that are not secret (superset-websocket's src/config.ts keys). */
export function renderWebsocketBaseConfig(config: PlatformConfig): Record<string, unknown> {
  const redis = websocketRedis(config);
  return {
    port: SUPERSET_WEBSOCKET.port,
    logLevel: config.superset.logLevel === 'DEBUG' ? 'debug' : config.superset.logLevel === 'WARNING' ? 'warn' : config.superset.logLevel.toLowerCase(),
    logToFile: false,
    logFilename: 'app.log',
    // The server's statsd client sends UDP to itself: no collector, and no flow to declare.
    statsd: { host: '127.0.0.1', port: 8125, globalTags: [] },
    // The whole object: the server merges config.json over its defaults one level deep only.
    redis: { host: redis.host, port: redis.port, db: redis.db, ssl: redis.ssl, ...(redis.ssl ? { validateHostname: true } : {}) },
    redisStreamPrefix: ASYNC_EVENTS_STREAM_PREFIX,
    jwtCookieName: ASYNC_JWT_COOKIE_NAME,
  };
}

/** config.json fields filled from the Secret's files, by the file (the env var name of the ref). */
export function websocketSecretFields(config: PlatformConfig): Record<string, string> {
  return {
    jwtSecret: 'GLOBAL_ASYNC_QUERIES_JWT_SECRET',
    'redis.password': 'REDIS_QUEUE_PASSWORD',
    ...(websocketRedis(config).username ? { 'redis.username': 'REDIS_QUEUE_USERNAME' } : {}),
  };
}

/** The init container's script: config.json = the settings + the secrets, readable by the server's user only. */
export function renderComposeScript(config: PlatformConfig): string {
  return `'use strict';
// Writes superset-websocket's config.json, generated by superset-k8s: the settings of
// ${BASE_FILE} plus the secrets read from their files (never from the environment).
// Usage: node ${COMPOSE_FILE} <${BASE_FILE}> <secrets dir> <config.json>
const fs = require('fs');
const path = require('path');

// [config.json field, file in the secrets dir]
const SECRET_FIELDS = ${JSON.stringify(Object.entries(websocketSecretFields(config)))};

const [baseFile, secretsDir, outFile] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(baseFile, 'utf8'));
for (const [field, file] of SECRET_FIELDS) {
  const value = fs.readFileSync(path.join(secretsDir, file), 'utf8').trim();
  if (!value) {
    console.error('compose-config: ' + file + ' in ' + secretsDir + ' is empty; ' + field + ' needs it');
    process.exit(1);
  }
  const keys = field.split('.');
  let target = config;
  for (const key of keys.slice(0, -1)) target = target[key];
  target[keys[keys.length - 1]] = value;
}
fs.writeFileSync(outFile, JSON.stringify(config, null, 2) + '\\n', { mode: 0o400 });
console.log('compose-config: wrote ' + outFile + ' with ' + SECRET_FIELDS.map((f) => f[0]).join(', ') + ' from ' + secretsDir);
`;
}

export interface SupersetWebsocketProps {
  readonly context: SupersetPodContext;
}

/**
 * The websocket server: a Deployment (its PDB from two pods), its Service for the edge, and in
 * sentinel mode the Service over every redis-queue server it reads from.
 */
export class SupersetWebsocket extends Construct {
  constructor(scope: Construct, id: string, props: SupersetWebsocketProps) {
    super(scope, id);
    const ctx = props.context;
    const config = ctx.env.config;
    const ws = config.superset.asyncQueries.websocket;
    const identity = { ...supersetIdentity(ctx, 'websocket'), version: ws.image.tag };
    const metadata = { name: SUPERSET_WEBSOCKET.host, namespace: ctx.env.namespace, labels: recommendedLabels(identity) };

    const configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata,
      data: { [BASE_FILE]: `${JSON.stringify(renderWebsocketBaseConfig(config), null, 2)}\n`, [COMPOSE_FILE]: renderComposeScript(config) },
    });

    const queue = externalRedisQueue(config);
    const queueCa = queue?.tls && queue.caBundle ? queue.caBundle : undefined;
    // Node.js trusts its own CA list plus one extra file: the managed Redis's CA, else the pods' bundle.
    const extraCa = queueCa ? EXTERNAL_REDIS_CA['redis-queue'].file : config.pods.caBundle ? CA_BUNDLE_FILE : undefined;
    const security = restrictedContainerSecurityContext(WEBSOCKET_RUN_AS);
    const health = { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') } };

    const compose: k8s.Container = {
      name: 'compose-config',
      image: websocketImage(config),
      imagePullPolicy: config.imagePullPolicy,
      command: ['node', `${WEBSOCKET_CONFIG_DIR}/${COMPOSE_FILE}`, `${WEBSOCKET_CONFIG_DIR}/${BASE_FILE}`, SUPERSET_SECRETS_DIR, `${RUN_DIR}/config.json`],
      resources: resourceRequirements({ cpuRequest: '50m', cpuLimit: '200m', memoryRequest: '64Mi', memoryLimit: '128Mi' }),
      securityContext: security,
      volumeMounts: [
        { name: 'websocket-config', mountPath: WEBSOCKET_CONFIG_DIR, readOnly: true },
        { name: 'websocket-secrets', mountPath: SUPERSET_SECRETS_DIR, readOnly: true },
        { name: 'run', mountPath: RUN_DIR },
      ],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
    const server: k8s.Container = {
      name: 'websocket',
      image: websocketImage(config),
      imagePullPolicy: config.imagePullPolicy,
      // The image's own command (npm start: the server's start script). npm keeps no cache or
      // log files on the read-only root filesystem.
      env: [
        { name: 'NPM_CONFIG_CACHE', value: '/tmp/npm' },
        { name: 'NPM_CONFIG_LOGS_MAX', value: '0' },
        { name: 'NPM_CONFIG_UPDATE_NOTIFIER', value: 'false' },
        ...(extraCa ? [{ name: 'NODE_EXTRA_CA_CERTS', value: extraCa }] : []),
      ],
      ports: [{ name: 'http', containerPort: SUPERSET_WEBSOCKET.port, protocol: 'TCP' }],
      resources: resourceRequirements(ws.resources),
      securityContext: security,
      startupProbe: { ...health, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
      readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
      livenessProbe: { ...health, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
      // The edge stops sending new sockets here before the server exits; open sockets reconnect
      // (the browser resumes from its last event id, which any server can replay).
      lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
      volumeMounts: [
        { name: 'run', mountPath: WEBSOCKET_SERVER_CONFIG, subPath: 'config.json', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
        ...(queueCa ? [{ name: EXTERNAL_REDIS_CA['redis-queue'].volume, mountPath: EXTERNAL_REDIS_CA['redis-queue'].dir, readOnly: true }] : []),
      ],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
    const selector = selectorLabels(identity);
    const place = podPlacement(resolveScheduling(config.scheduling, ws.scheduling), { selector, spread: ws.replicas > 1, perReplicaSet: true });
    const template = extendPodTemplate({
      metadata: { labels: recommendedLabels(identity) },
      spec: {
        // The server calls no Kubernetes API.
        serviceAccountName: ctx.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(WEBSOCKET_RUN_AS),
        initContainers: [compose],
        containers: [server],
        volumes: [
          { name: 'websocket-config', configMap: { name: configMap.name, defaultMode: 0o444 } },
          projectedSecretsVolume('websocket-secrets', supersetWebsocketRefs(config)),
          { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
          ...(queueCa ? [bundleVolume(EXTERNAL_REDIS_CA['redis-queue'].volume, queueCa)] : []),
        ],
        terminationGracePeriodSeconds: 30,
        ...place,
      },
    }, { pods: config.pods, pod: {}, runAs: WEBSOCKET_RUN_AS, imagePullPolicy: config.imagePullPolicy, caBundle: true });

    new ScaledDeployment(this, 'Deployment', {
      metadata,
      id: identity,
      minReplicas: ws.replicas,
      maxReplicas: ws.replicas,
      autoscaling: config.autoscaling,
      template,
    });

    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: { selector, ports: [{ name: 'http', port: SUPERSET_WEBSOCKET.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }] },
    });

    if (!queue && config.redis.queue.mode === 'sentinel') {
      const readers = dataComponent(config.instance, 'redis-queue');
      new k8s.KubeService(this, 'RedisReaders', {
        metadata: { name: REDIS_QUEUE_READERS.host, namespace: ctx.env.namespace, labels: recommendedLabels(identity) },
        spec: { selector: { ...readers.selector }, ports: [{ name: 'redis', port: REDIS_QUEUE_READERS.port, targetPort: k8s.IntOrString.fromNumber(REDIS_QUEUE.port), protocol: 'TCP' }] },
      });
    }
  }
}
