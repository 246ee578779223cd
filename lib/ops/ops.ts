import { Construct } from 'constructs';
import type { SupersetPodContext } from '../superset/superset-pod';
import { DashboardExport } from './dashboard-export';
import { OpsScripts } from './ops-scripts';
import { OpsServiceAccount } from './ops-service-account';
import { PgBackup } from './pg-backup';
import { PgRestoreCheck } from './pg-restore-check';

export interface OpsProps {
  readonly context: SupersetPodContext;
}

/** Everything of `ops` that is enabled: the scripts, the ServiceAccount and the CronJobs. */
export class Ops extends Construct {
  constructor(scope: Construct, id: string, props: OpsProps) {
    super(scope, id);
    const env = props.context.env;
    const ops = env.config.ops;
    if (!ops.backup.enabled && !ops.restoreCheck.enabled && !ops.dashboardExport.enabled) return;
    new OpsServiceAccount(this, 'ServiceAccount', { env });
    new OpsScripts(this, 'Scripts', { env });
    if (ops.backup.enabled) new PgBackup(this, 'Backup', { env });
    if (ops.restoreCheck.enabled) new PgRestoreCheck(this, 'RestoreCheck', { env });
    if (ops.dashboardExport.enabled) new DashboardExport(this, 'DashboardExport', { context: props.context });
  }
}
