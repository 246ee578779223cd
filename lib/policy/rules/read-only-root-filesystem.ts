import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule } from '../rule';

export const readOnlyRootFilesystem: PolicyRule = {
  id: 'read-only-root-filesystem',
  statement: 'Every container and init container has a read-only root filesystem; writable paths are emptyDir or volume mounts.',
  fix: 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at each path the program writes',
  check(objects) {
    return podsOf(objects).flatMap((pod) =>
      containersOf(pod)
        .filter((c) => c.container.securityContext?.readOnlyRootFilesystem !== true)
        .map((c) => ({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: readOnlyRootFilesystem is not true` })),
    );
  },
};
