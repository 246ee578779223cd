import type { Scenario } from './scenario';
import { freshInstall } from './fresh-install';
import { celery } from './celery';
import { enforcement } from './enforcement';
import { dataSource } from './data-source';
import { rollingWeb } from './rolling-web';
import { cronJobs } from './cronjobs';
import { patroniFailover } from './patroni-failover';
import { redisFailover } from './redis-failover';
import { upgrade } from './upgrade';
import { cacheFullRestart } from './cache-full-restart';
import { slowStart } from './slow-start';
import { mutations } from './mutations';
import { firstAdmin } from './first-admin';
import { redisQueueOutage } from './redis-queue-outage';
import { secretRotation } from './secret-rotation';
import { reportSmtp } from './report-smtp';

/** Every scenario, in the order a full run executes them. */
export const SCENARIOS: readonly Scenario[] = [freshInstall, firstAdmin, celery, enforcement, dataSource, reportSmtp, cronJobs, rollingWeb, upgrade, cacheFullRestart, redisQueueOutage, secretRotation, patroniFailover, redisFailover, mutations, slowStart];
