import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/** The "restricted" Pod Security Standard, checked on every pod and init container. */
export const restrictedPodSecurity: PolicyRule = {
  id: 'restricted-pod-security',
  statement: 'Every pod meets the "restricted" Pod Security Standard: non-root uid/gid, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault, no host namespaces or host paths.',
  fix: 'use restrictedPodSecurityContext() and restrictedContainerSecurityContext() from lib/workload/pod-security.ts',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const pod of podsOf(objects)) {
      const at = describeObject(pod.owner);
      const add = (message: string) => out.push({ rule: this.id, object: at, message });
      const ps = pod.spec.securityContext ?? {};
      for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod.spec[host]) add(`pod sets ${host}`);
      for (const v of pod.spec.volumes ?? []) if (v.hostPath) add(`volume "${v.name}" is a hostPath`);
      if (ps.runAsUser === 0 || ps.runAsGroup === 0) add('pod runs as uid or gid 0');
      for (const c of containersOf(pod)) {
        const cs = c.container.securityContext ?? {};
        const nonRoot = cs.runAsNonRoot ?? ps.runAsNonRoot;
        const uid = cs.runAsUser ?? ps.runAsUser;
        const gid = cs.runAsGroup ?? ps.runAsGroup;
        const seccomp = cs.seccompProfile?.type ?? ps.seccompProfile?.type;
        if (nonRoot !== true) add(`${c.label}: runAsNonRoot is not true`);
        if (uid === undefined || uid === 0) add(`${c.label}: runAsUser must be a non-zero uid`);
        if (gid === undefined || gid === 0) add(`${c.label}: runAsGroup must be a non-zero gid`);
        if (cs.allowPrivilegeEscalation !== false) add(`${c.label}: allowPrivilegeEscalation is not false`);
        if (cs.privileged === true) add(`${c.label}: privileged`);
        if (!(cs.capabilities?.drop ?? []).includes('ALL')) add(`${c.label}: capabilities.drop does not include ALL`);
        const added = (cs.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
        if (added.length) add(`${c.label}: adds capabilities ${added.join(', ')}`);
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') add(`${c.label}: seccompProfile is not RuntimeDefault`);
      }
    }
    return out;
  },
};
