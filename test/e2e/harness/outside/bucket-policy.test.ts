import { bucketPolicies } from './outside-world';
import { buildObjects } from '../../../helpers';

// The object-storage stand-in of the e2e harness gives each access-key Secret the bucket policy
// docs/operations.md documents, read from what the containers using it are.

describe('bucket policies of the e2e object storage', () => {
  test('pg-backup writes and deletes the dumps, pg-restore-check only lists and gets them', () => {
    const policies = bucketPolicies(buildObjects({}, 'dev'));
    expect(policies.get('backup-object-storage-read')).toEqual({ list: ['superset-dev/pg-dump/'], get: ['superset-dev/pg-dump/'] });
    expect(policies.get('backup-object-storage')).toEqual(Object.fromEntries(['list', 'get', 'put', 'delete'].map((a) => [a, ['superset-dev/pg-dump/', 'superset-dev/dashboards/']])));
  });

  test('with WAL archiving: the members may not delete, walg-retention may', () => {
    const policies = bucketPolicies(buildObjects({ postgres: { walArchive: { bucket: 'superset-backups', endpoint: 'https://s3.acme.test', prefix: 'superset-dev/wal-g' } } }, 'dev'));
    expect(policies.get('postgres-wal-archive')).toEqual({ list: ['superset-dev/wal-g/'], get: ['superset-dev/wal-g/'], put: ['superset-dev/wal-g/'] });
    expect(policies.get('postgres-wal-retention')).toEqual({ list: ['superset-dev/wal-g/'], get: ['superset-dev/wal-g/'], delete: ['superset-dev/wal-g/'] });
  });
});
