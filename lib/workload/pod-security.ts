import * as k8s from '../../imports/k8s';

/** A non-root uid/gid a pod runs as (the image's own user, so file ownership matches). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Pod-level settings of the "restricted" Pod Security Standard. */
export function restrictedPodSecurityContext(runAs: RunAs): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    fsGroup: runAs.gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level settings of the "restricted" standard, plus a read-only root filesystem. */
export function restrictedContainerSecurityContext(runAs: RunAs): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
