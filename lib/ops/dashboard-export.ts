import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { gitRefs } from './secrets';
import { supersetAdminRefs } from '../superset/secrets';
import { SUPERSET_RUN_AS, SupersetPodContext, supersetContainer, supersetVolumes } from '../superset/superset-pod';
import { resourceRequirements } from '../workload/resources';
import { emptyDir, objectStorageAccess, opsContainer, opsCronJobSpec, opsIdentity, SCRIPTS_DIR, scriptsMount, scriptsVolume, secretEnv } from './ops-pod';

export interface DashboardExportProps {
  readonly context: SupersetPodContext;
}

export const DASHBOARD_EXPORT_NAME = 'dashboard-export';
const EXPORT_DIR = '/export';
const HOME_DIR = '/home/ops';

/**
 * Who the export runs as: the first admin's username from the admin Secret (AUTH_DB); under SSO
 * no local admin exists and Superset 6.1 exports as "admin", a user an operator creates.
 */
function exportUserEnv(env: Environment): k8s.EnvVar {
  const username = supersetAdminRefs(env.config).find((r) => r.key === 'username');
  return username
    ? { name: 'EXPORT_USER', valueFrom: { secretKeyRef: { name: username.secretName, key: username.key } } }
    : { name: 'EXPORT_USER', value: 'admin' };
}

/** Folder of the export in the Git repository: configured, else the environment's name. */
export function gitExportPath(env: Environment): string {
  return env.config.ops.dashboardExport.git.path ?? env.name;
}

/**
 * CronJob `dashboard-export`: an init container of the Superset image runs
 * `superset export-dashboards` (as the first admin, EXPORT_USER) into a shared emptyDir;
 * the ops container unpacks it into a stable YAML tree and commits it to Git over SSH (only when
 * something changed), or uploads it to object storage (lib/ops/scripts/dashboard-export.sh).
 */
export class DashboardExport extends Construct {
  constructor(scope: Construct, id: string, props: DashboardExportProps) {
    super(scope, id);
    const ctx = props.context;
    const env = ctx.env;
    const d = env.config.ops.dashboardExport;
    const exportMount: k8s.VolumeMount = { name: 'export', mountPath: EXPORT_DIR };

    const superset = supersetContainer(ctx, {
      name: 'export',
      component: 'dashboard-export',
      command: ['/bin/bash', `${SCRIPTS_DIR}/dashboard-export.sh`, 'export'],
      resources: d.exportResources,
      database: 'pgbouncer',
      extraEnv: [{ name: 'EXPORT_DIR', value: EXPORT_DIR }, exportUserEnv(env)],
    });
    const exporter: k8s.Container = { ...superset, volumeMounts: [...(superset.volumeMounts ?? []), scriptsMount, exportMount] };

    const storage = d.target === 'objectStorage' ? objectStorageAccess(env, 'write') : undefined;
    const targetEnv: k8s.EnvVar[] = d.target === 'git'
      ? [
          { name: 'GIT_REPOSITORY', value: d.git.repository },
          { name: 'GIT_BRANCH', value: d.git.branch },
          { name: 'GIT_PATH', value: gitExportPath(env) },
          { name: 'GIT_AUTHOR_NAME', value: d.git.authorName },
          { name: 'GIT_AUTHOR_EMAIL', value: d.git.authorEmail },
          ...secretEnv(gitRefs(env.config)),
        ]
      : storage!.env;
    const publisher = opsContainer(env, {
      name: 'publish',
      script: 'dashboard-export.sh',
      args: ['publish'],
      env: [
        { name: 'EXPORT_DIR', value: EXPORT_DIR },
        { name: 'EXPORT_TARGET', value: d.target },
        { name: 'EXPORT_ENVIRONMENT', value: env.name },
        { name: 'HOME', value: HOME_DIR },
        ...targetEnv,
      ],
      resources: resourceRequirements(d.resources),
      volumeMounts: [exportMount, { name: 'tmp', mountPath: '/tmp' }, { name: 'home', mountPath: HOME_DIR }, ...(storage?.volumeMounts ?? [])],
    });

    new k8s.KubeCronJob(this, 'Resource', opsCronJobSpec({
      env,
      name: DASHBOARD_EXPORT_NAME,
      id: opsIdentity(env, 'dashboard-export'),
      settings: d,
      // Superset's uid is the pod's; the publisher runs as the ops image's postgres user. The
      // emptyDirs are shared through the pod's fsGroup.
      runAs: SUPERSET_RUN_AS,
      pod: {
        initContainers: [exporter],
        containers: [publisher],
        volumes: [...supersetVolumes(ctx), scriptsVolume, emptyDir('export', '1Gi'), emptyDir('home', '16Mi'), ...(storage?.volumes ?? [])],
      },
    }));
  }
}
