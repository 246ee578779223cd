import { parse } from 'yaml';
import { generateSecrets, manualSecretInstructions } from '../../lib/config/platform-secrets';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { databaseCertificates } from '../../lib/postgres/endpoints';
import { buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };
const TLS: EnvironmentOverrides = { ...REPO, postgres: { tls: { enabled: true } } };
const MONITORED: EnvironmentOverrides = { monitoring: { enabled: true } };

const patroniYaml = (objects: any[]) => parse(find(objects, 'ConfigMap', 'postgres-patroni').data['patroni.yml']);
const ini = (objects: any[]) => find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'] as string;
const podSpec = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);
const containerOf = (o: any, name: string) => podSpec(o).containers.find((c: any) => c.name === name);
const iniValue = (text: string, key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(text)?.[1];

describe('pg_hba and the superuser (always, TLS or not)', () => {
  test('default: the socket is peer-only, the superuser is rejected over TCP (databases and replication), the rest SCRAM over host', () => {
    const y = patroniYaml(buildObjects(REPO));
    expect(y.postgresql.pg_hba).toEqual([
      'local all all peer',
      'host all postgres all reject',
      'host replication postgres all reject',
      'host replication standby all scram-sha-256',
      'host all all all scram-sha-256',
    ]);
    expect(y.postgresql.use_unix_socket).toBe(true);
    // initdb's own file lives only until Patroni writes pg_hba: no trust there either.
    expect(y.bootstrap.initdb).toContainEqual({ 'auth-local': 'peer' });
    expect(JSON.stringify(y)).not.toMatch(/trust/);
  });

  test('a dedicated pg_rewind role: Patroni\'s authentication.rewind, its password from the Secret, and post-bootstrap.sh ensures it with exactly the four grants', () => {
    const objects = buildObjects(REPO);
    const y = patroniYaml(objects);
    expect(y.postgresql.authentication.rewind).toEqual({ username: 'rewind' });
    expect(y.bootstrap.dcs.postgresql.use_pg_rewind).toBe(true);
    const c = containerOf(find(objects, 'StatefulSet', 'postgres'), 'patroni');
    expect(envVar(c, 'PATRONI_REWIND_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials', key: 'rewind-password' });
    expect(envVar(c, 'REWIND_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials', key: 'rewind-password' });
    expect(envVar(c, 'REWIND_DATABASE_USER').value).toBe('rewind');
    const script = find(objects, 'ConfigMap', 'postgres-patroni').data['post-bootstrap.sh'] as string;
    const grants = script.match(/^GRANT EXECUTE ON FUNCTION .*$/gm);
    expect(grants).toEqual([
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO :"rewind_user";',
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO :"rewind_user";',
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO :"rewind_user";',
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO :"rewind_user";',
    ]);
    expect(script).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', :'rewind_user'/);
  });

  test('the generated Secrets give the rewind role a random password of its own', () => {
    const env = resolveEnvironment('test', REPO);
    const { manifests } = generateSecrets(env.config, env.namespace, (n) => Buffer.alloc(n, 9));
    const creds = manifests.find((m: any) => m.metadata.name === 'postgres-credentials') as any;
    expect(creds.stringData['rewind-password']).toBe(Buffer.alloc(32, 9).toString('hex'));
  });

  test('toThrow: backups as the superuser (it may not log in over TCP), or as the rewind role', () => {
    expect(() => buildObjects({ ...REPO, ops: { backup: { credentials: { user: 'postgres', secretName: 'postgres-credentials', passwordKey: 'superuser-password' } } } }))
      .toThrow(/ops\.backup\.credentials\.user = "postgres"[\s\S]*rejects the superuser over TCP/);
    expect(() => buildObjects({ ...REPO, ops: { backup: { credentials: { user: 'rewind', secretName: 'postgres-backup', passwordKey: 'password' } } } }))
      .toThrow(/ops\.backup\.credentials\.user = "rewind"[\s\S]*not the pg_rewind role Patroni creates/);
  });
});

describe('postgres.tls off (the default)', () => {
  test('no ssl parameters, no certificate volume, PgBouncer plain, no client is told an sslmode', () => {
    const objects = buildObjects(REPO);
    const y = patroniYaml(objects);
    expect(y.postgresql.parameters.ssl).toBeUndefined();
    expect(y.postgresql.authentication.replication).toEqual({ username: 'standby' });
    expect(JSON.stringify(find(objects, 'StatefulSet', 'postgres'))).not.toMatch(/postgres-tls/);
    expect(ini(objects)).not.toMatch(/tls/);
    expect(find(objects, 'Deployment', 'pgbouncer').spec.template.spec.containers[1].args[0]).toMatch(/sslmode=disable$/);
    expect(envVar(containerOf(find(objects, 'Deployment', 'superset-web'), 'web'), 'DATABASE_SSLMODE')).toBeUndefined();
    expect(envVar(containerOf(find(objects, 'StatefulSet', 'postgres'), 'patroni'), 'TLS_WATCH_DIR')).toBeUndefined();
    expect(envVar(containerOf(find(objects, 'Deployment', 'pgbouncer'), 'pgbouncer'), 'TLS_WATCH_DIR')).toBeUndefined();
    expect(findAll(objects, 'Certificate')).toEqual([]);
    // The REST API stays HTTP: no certificate, no client TLS settings, probes and scrapes plain.
    expect(y.restapi.certfile).toBeUndefined();
    expect(y.ctl).toBeUndefined();
    expect(containerOf(find(objects, 'StatefulSet', 'postgres'), 'patroni').readinessProbe.httpGet.scheme).toBeUndefined();
    expect(find(buildObjects({ ...REPO, ...MONITORED }), 'PodMonitor', 'postgres').spec.podMetricsEndpoints[0]).not.toHaveProperty('scheme');
  });
});

describe('postgres.tls on', () => {
  const objects = buildObjects(TLS);

  test('PostgreSQL: ssl on with the mounted Secret, every TCP line hostssl (plaintext matches nothing), the superuser still rejected', () => {
    const y = patroniYaml(objects);
    expect(y.postgresql.parameters).toMatchObject({
      ssl: 'on', ssl_cert_file: '/etc/postgres-tls/tls.crt', ssl_key_file: '/etc/postgres-tls/tls.key', ssl_ca_file: '/etc/postgres-tls/ca.crt', ssl_min_protocol_version: 'TLSv1.2',
    });
    expect(y.postgresql.pg_hba).toEqual([
      'local all all peer',
      'host all postgres all reject',
      'host replication postgres all reject',
      'hostssl replication standby all scram-sha-256',
      'hostssl all all all scram-sha-256',
    ]);
    // Members reach each other by pod IP: the CA is checked, not the name.
    for (const who of ['replication', 'rewind']) expect(y.postgresql.authentication[who]).toMatchObject({ sslmode: 'verify-ca', sslrootcert: '/etc/postgres-tls/ca.crt' });
  });

  test('the Patroni pod mounts the three keys of postgres-tls read-only, 0640 (root:<fsGroup> on the node: a key mode PostgreSQL accepts)', () => {
    const sts = find(objects, 'StatefulSet', 'postgres');
    const spec = sts.spec.template.spec;
    expect(spec.volumes).toContainEqual({
      name: 'postgres-tls',
      secret: { secretName: 'postgres-tls', defaultMode: 0o640, items: ['tls.crt', 'tls.key', 'ca.crt'].map((k) => ({ key: k, path: k })) },
    });
    expect(containerOf(sts, 'patroni').volumeMounts).toContainEqual({ name: 'postgres-tls', mountPath: '/etc/postgres-tls', readOnly: true });
    // The start script watches the mounted files and reloads PostgreSQL when the Secret changes.
    const c = containerOf(sts, 'patroni');
    expect([envVar(c, 'TLS_WATCH_DIR').value, envVar(c, 'TLS_WATCH_SECONDS').value, envVar(c, 'PGHOST').value]).toEqual(['/etc/postgres-tls', '60', '/var/run/postgresql']);
    // SIGHUP to Patroni (the start script's pid once it execs): Patroni reloads PostgreSQL and its REST API.
    expect(find(objects, 'ConfigMap', 'postgres-patroni').data['patroni-start.sh']).toMatch(/patroni_pid=\$\$[\s\S]*kill -HUP "\$patroni_pid"[\s\S]*exec "\$PATRONI" "\$@"/);
    expect(spec.securityContext.fsGroup).toBe(103);
  });

  test('the certificates name the Services under the cluster\'s DNS domain: cluster.local by default, network.clusterDomain otherwise', () => {
    const names = (overrides: EnvironmentOverrides) => databaseCertificates(resolveEnvironment('test', overrides).config, 'superset-test').flatMap((c) => c.dnsNames);
    expect(names(TLS)).toEqual(expect.arrayContaining(['postgres.superset-test.svc.cluster.local', 'pgbouncer.superset-test.svc.cluster.local', '*.postgres-members.superset-test.svc.cluster.local']));
    const corp = names({ ...TLS, network: { clusterDomain: 'k8s.corp.internal' } });
    expect(corp).toEqual(expect.arrayContaining(['postgres.superset-test.svc.k8s.corp.internal', 'pgbouncer.superset-test.svc.k8s.corp.internal', '*.postgres-members.superset-test.svc.k8s.corp.internal']));
    expect(corp.filter((n) => n.endsWith('cluster.local'))).toEqual([]);
    expect(() => resolveEnvironment('test', { ...TLS, network: { clusterDomain: 'Cluster.Local.' } })).toThrow(/network\.clusterDomain[\s\S]*must be a DNS domain such as "cluster\.local"/);
  });

  test('Patroni\'s REST API over HTTPS with the members\' certificate: Patroni and patronictl check the CA (not the host name: pod IPs), probes and the Prometheus scrape use HTTPS', () => {
    const y = patroniYaml(objects);
    expect(y.restapi).toMatchObject({ certfile: '/etc/postgres-tls/tls.crt', keyfile: '/etc/postgres-tls/tls.key' });
    expect(y.ctl).toEqual({ insecure: true, cacert: '/etc/postgres-tls/ca.crt', certfile: '/etc/postgres-tls/tls.crt', keyfile: '/etc/postgres-tls/tls.key' });
    const patroni = containerOf(find(objects, 'StatefulSet', 'postgres'), 'patroni');
    expect([patroni.readinessProbe.httpGet.scheme, patroni.livenessProbe.httpGet.scheme]).toEqual(['HTTPS', 'HTTPS']);
    const scrape = find(buildObjects({ ...TLS, ...MONITORED }), 'PodMonitor', 'postgres').spec.podMetricsEndpoints[0];
    expect(scrape).toMatchObject({ port: 'patroni', scheme: 'https', tlsConfig: { ca: { secret: { name: 'postgres-tls', key: 'ca.crt' } }, serverName: 'postgres.superset-test.svc' } });
    const postgresCertificate = databaseCertificates(resolveEnvironment('test', TLS).config, 'superset-test').find((c) => c.server === 'postgres')!;
    expect(postgresCertificate.dnsNames).toContain(scrape.tlsConfig.serverName);
  });

  test('the base-backup sidecar asks the REST API over HTTPS, checking the CA from a volume of the CA alone', () => {
    const archived = buildObjects({ ...TLS, postgres: { ...TLS.postgres, walArchive: { bucket: 'wal-bucket' } } });
    const sts = find(archived, 'StatefulSet', 'postgres');
    const sidecar = containerOf(sts, 'walg-basebackup');
    expect([envVar(sidecar, 'PATRONI_API').value, envVar(sidecar, 'PATRONI_API_CAFILE').value]).toEqual(['https://127.0.0.1:8008', '/etc/ssl/database-ca/ca.crt']);
    expect(sidecar.volumeMounts.map((m: any) => m.name)).not.toContain('postgres-tls');
    expect(podSpec(sts).volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'postgres-tls', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  });

  test('PgBouncer: TLS required from clients with its own certificate, verify-full toward the primary against the CA; the exporter uses TLS over the loopback', () => {
    const text = ini(objects);
    expect(iniValue(text, 'client_tls_sslmode')).toBe('require');
    expect(iniValue(text, 'client_tls_cert_file')).toBe('/etc/pgbouncer-tls/tls.crt');
    expect(iniValue(text, 'client_tls_key_file')).toBe('/etc/pgbouncer-tls/tls.key');
    expect(iniValue(text, 'server_tls_sslmode')).toBe('verify-full');
    expect(iniValue(text, 'server_tls_ca_file')).toBe('/etc/ssl/database-ca/ca.crt');
    expect(text).toMatch(/^superset = host=postgres port=5432 dbname=superset$/m);
    const deployment = find(objects, 'Deployment', 'pgbouncer');
    const spec = deployment.spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'pgbouncer-tls', secret: { secretName: 'pgbouncer-tls', defaultMode: 0o640, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } });
    // Only ca.crt of Patroni's Secret reaches PgBouncer, never the server's key.
    expect(spec.volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'postgres-tls', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(containerOf(deployment, 'exporter').args[0]).toMatch(/sslmode=require$/);
    const bouncer = containerOf(deployment, 'pgbouncer');
    expect([envVar(bouncer, 'TLS_WATCH_DIR').value, envVar(bouncer, 'TLS_WATCH_SECONDS').value]).toEqual(['/etc/pgbouncer-tls', '60']);
    expect(find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer-start.sh']).toMatch(/kill -HUP "\$self"/);
    expect(containerOf(deployment, 'pgbouncer').env.every((e: any) => e.name)).toBe(true);
  });

  test('clients: web, workers and beat (to PgBouncer), the migration Job and pg-backup (to the primary) use verify-full against the mounted CA', () => {
    for (const [kind, name, container] of [['Deployment', 'superset-web', 'web'], ['Deployment', 'superset-beat', 'beat']] as const) {
      const o = find(objects, kind, name);
      const c = containerOf(o, container);
      expect([envVar(c, 'DATABASE_HOST').value, envVar(c, 'DATABASE_SSLMODE').value, envVar(c, 'DATABASE_SSLROOTCERT').value]).toEqual(['pgbouncer', 'verify-full', '/etc/ssl/database-ca/ca.crt']);
      expect(podSpec(o).volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'postgres-tls', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    }
    const job = findAll(objects, 'Job').find((j) => j.metadata.labels['app.kubernetes.io/component'] === 'migrate');
    const migrate = podSpec(job).containers[0];
    expect([envVar(migrate, 'DATABASE_HOST').value, envVar(migrate, 'DATABASE_SSLMODE').value]).toEqual(['postgres', 'verify-full']);
    const backup = containerOf(find(objects, 'CronJob', 'pg-backup'), 'pg-backup');
    expect([envVar(backup, 'PGHOST').value, envVar(backup, 'PGSSLMODE').value, envVar(backup, 'PGSSLROOTCERT').value]).toEqual(['postgres', 'verify-full', '/etc/ssl/database-ca/ca.crt']);
  });

  test('without an issuer no Certificate is rendered: both Secrets are in the contract (tls.crt, tls.key; the CA in postgres-tls), with the names they must carry, never generated', () => {
    expect(findAll(objects, 'Certificate')).toEqual([]);
    const env = resolveEnvironment('test', TLS);
    const { manifests, manual } = generateSecrets(env.config, env.namespace);
    expect(manifests.map((m: any) => m.metadata.name)).not.toContain('postgres-tls');
    const tls = manual.filter((r) => r.secretType === 'kubernetes.io/tls' && r.secretName !== 'superset-tls');
    expect(tls.map((r) => `${r.secretName}/${r.key}`)).toEqual(['postgres-tls/tls.crt', 'postgres-tls/tls.key', 'postgres-tls/ca.crt', 'pgbouncer-tls/tls.crt', 'pgbouncer-tls/tls.key']);
    const lines = manualSecretInstructions(manual, env.namespace).filter((l) => /postgres-tls|pgbouncer-tls/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^create by hand: kubectl -n superset-test create secret generic postgres-tls --type=kubernetes.io\/tls --from-file=tls.crt=<certificate for DNS:postgres,postgres.superset-test,postgres.superset-test.svc,postgres.superset-test.svc.cluster.local,postgres-replicas,/);
    expect(lines[0]).toMatch(/\*\.postgres-members\.superset-test\.svc\.cluster\.local, PEM> --from-file=tls.key=.* --from-file=ca.crt=/);
    expect(lines[1]).toMatch(/pgbouncer-tls .*DNS:pgbouncer,pgbouncer.superset-test,pgbouncer.superset-test.svc,pgbouncer.superset-test.svc.cluster.local, PEM> --from-file=tls.key=<its private key, PEM> \(or set/);
  });

  test('the certificates name every Service the clients use', () => {
    const env = resolveEnvironment('test', TLS);
    const [postgres, pgbouncer] = databaseCertificates(env.config, env.namespace);
    expect(postgres.dnsNames).toEqual(expect.arrayContaining(['postgres', 'postgres-replicas', 'postgres.superset-test.svc', '*.postgres-members.superset-test.svc']));
    expect(pgbouncer.dnsNames[0]).toBe('pgbouncer');
  });
});

describe('postgres.tls custom', () => {
  test('cert-manager: a Certificate per server from the issuer, into the Secrets the pods mount; neither Secret is then in the contract', () => {
    const overrides: EnvironmentOverrides = { ...REPO, postgres: { tls: { enabled: true, certManagerIssuer: { name: 'database-ca', kind: 'Issuer' } } } };
    const objects = buildObjects(overrides);
    const certs = findAll(objects, 'Certificate');
    expect(certs.map((c) => [c.apiVersion, c.metadata.name, c.spec.secretName])).toEqual([['cert-manager.io/v1', 'postgres-tls', 'postgres-tls'], ['cert-manager.io/v1', 'pgbouncer-tls', 'pgbouncer-tls']]);
    expect(certs[0].spec).toMatchObject({ commonName: 'postgres', issuerRef: { name: 'database-ca', kind: 'Issuer', group: 'cert-manager.io' }, privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' } });
    expect(certs[0].spec.dnsNames).toContain('*.postgres-members.superset-test.svc.cluster.local');
    expect(certs[1].spec.dnsNames).toEqual(['pgbouncer', 'pgbouncer.superset-test', 'pgbouncer.superset-test.svc', 'pgbouncer.superset-test.svc.cluster.local']);
    const env = resolveEnvironment('test', overrides);
    expect(generateSecrets(env.config, env.namespace).manual.filter((r) => /postgres-tls|pgbouncer-tls/.test(r.secretName))).toEqual([]);
  });

  test('verify-ca and a CA bundle of its own (trust-manager): the clients and PgBouncer use them; the members keep the CA of their Secret', () => {
    const objects = buildObjects({ ...REPO, postgres: { tls: { enabled: true, sslMode: 'verify-ca', caBundle: { configMap: 'database-ca-bundle', key: 'bundle.pem' } } } });
    expect(iniValue(ini(objects), 'server_tls_sslmode')).toBe('verify-ca');
    const web = find(objects, 'Deployment', 'superset-web');
    expect(envVar(containerOf(web, 'web'), 'DATABASE_SSLMODE').value).toBe('verify-ca');
    expect(podSpec(web).volumes).toContainEqual({ name: 'database-ca', configMap: { name: 'database-ca-bundle', defaultMode: 0o444, items: [{ key: 'bundle.pem', path: 'ca.crt' }] } });
    expect(patroniYaml(objects).postgresql.authentication.replication.sslrootcert).toBe('/etc/postgres-tls/ca.crt');
    // Prometheus checks Patroni's certificate with the clients' bundle.
    expect(find(buildObjects({ ...REPO, ...MONITORED, postgres: { tls: { enabled: true, caBundle: { configMap: 'database-ca-bundle', key: 'bundle.pem' } } } }), 'PodMonitor', 'postgres').spec.podMetricsEndpoints[0].tlsConfig.ca).toEqual({ configMap: { name: 'database-ca-bundle', key: 'bundle.pem' } });
  });

  test('Secret names of your own', () => {
    const objects = buildObjects({ ...REPO, postgres: { tls: { enabled: true } }, secrets: { postgresTls: 'db-cert', pgbouncerTls: 'pooler-cert' } });
    expect(podSpec(find(objects, 'StatefulSet', 'postgres')).volumes).toContainEqual(expect.objectContaining({ name: 'postgres-tls', secret: expect.objectContaining({ secretName: 'db-cert' }) }));
    expect(podSpec(find(objects, 'Deployment', 'pgbouncer')).volumes).toContainEqual(expect.objectContaining({ name: 'pgbouncer-tls', secret: expect.objectContaining({ secretName: 'pooler-cert' }) }));
  });

  test.each([
    ['TLS with a managed server', { postgres: { mode: 'external', external: { host: 'db.internal', database: 'superset', user: 'superset', passwordSecret: { name: 'db', key: 'pw' }, sslMode: 'require', connectionLimit: 100, cidrs: ['10.1.0.0/24'] }, tls: { enabled: true } } },
      /postgres\.tls\.enabled = true[\s\S]*is TLS of the platform's own database tier/],
    ['an issuer while TLS is off', { postgres: { tls: { certManagerIssuer: { name: 'ca', kind: 'ClusterIssuer' } } } }, /postgres\.tls\.certManagerIssuer = "ca"[\s\S]*only read with postgres\.tls\.enabled/],
    ['a CA bundle while TLS is off', { postgres: { tls: { caBundle: { configMap: 'ca', key: 'ca.crt' } } } }, /postgres\.tls\.caBundle[\s\S]*only read with postgres\.tls\.enabled/],
    ['one Secret for both certificates', { postgres: { tls: { enabled: true } }, secrets: { pgbouncerTls: 'postgres-tls' } }, /secrets\.pgbouncerTls = "postgres-tls"[\s\S]*must differ from secrets\.postgresTls/],
    ['an sslmode that checks nothing', { postgres: { tls: { enabled: true, sslMode: 'require' } } }, /postgres\.tls\.sslMode/],
  ])('toThrow: %s', (_what, overrides, message) => {
    expect(() => buildObjects({ ...REPO, ...(overrides as EnvironmentOverrides) })).toThrow(message);
  });
});
