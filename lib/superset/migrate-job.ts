import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { MIGRATE_SCRIPT } from './scripts';
import { supersetAdminRefs } from './secrets';
import { CONFIG_DIR, objectMeta, SupersetPodContext, supersetContainer, supersetIdentity, supersetPodTemplate } from './superset-pod';

export interface SupersetMigrateJobProps {
  readonly context: SupersetPodContext;
}

/** A DNS-label-safe form of a version, for object names. */
function nameSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * `superset db upgrade`, `superset init` and (AUTH_DB) the first admin, once per image version, straight to the Patroni
 * primary (DDL through a transaction pooler is asking for trouble). It first waits, logging why,
 * until the database and the Redis servers superset_config.py connects to answer: on an empty
 * cluster they come up minutes after the Job starts. A Job's pod template is immutable, so its
 * name carries the version and a hash of the template: any change gives a new Job (both commands
 * are idempotent) and re-applying the same one is a no-op (a failed one is deleted and re-applied,
 * docs/operations.md).
 */
export class SupersetMigrateJob extends Construct {
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: SupersetMigrateJobProps) {
    super(scope, id);
    const ctx = props.context;
    const m = ctx.env.config.superset.migrations;
    const identity = supersetIdentity(ctx, 'migrate');
    const template = supersetPodTemplate(ctx, {
      id: identity,
      containers: [supersetContainer(ctx, {
        name: 'migrate',
        component: 'migrate',
        command: ['/bin/sh', `${CONFIG_DIR}/${MIGRATE_SCRIPT}`],
        resources: m.resources,
        database: 'primary',
        extraEnv: [
          { name: 'WAIT_TIMEOUT_SECONDS', value: String(m.dependencyTimeoutSeconds) },
          // AUTH_DB: the first admin, created once after `superset init` (none under SSO).
          ...supersetAdminRefs(ctx.env.config).map((ref) => ({ name: ref.envVar, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } })),
        ],
      })],
      terminationGracePeriodSeconds: 30,
      spread: false,
      placement: m,
      isMigrationJob: true,
    });
    const templateHash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 8);
    const version = nameSafe(ctx.env.config.superset.image.tag).slice(0, 63 - 'superset-migrate-'.length - 9);
    this.jobName = `superset-migrate-${version}-${templateHash}`;

    new k8s.KubeJob(this, 'Resource', {
      metadata: objectMeta(ctx, this.jobName, identity),
      spec: {
        backoffLimit: m.backoffLimit,
        activeDeadlineSeconds: m.activeDeadlineSeconds,
        ttlSecondsAfterFinished: m.ttlSecondsAfterFinished,
        completions: 1,
        parallelism: 1,
        template,
      },
    });
  }
}
