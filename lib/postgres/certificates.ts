import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { pgbouncerIdentity, postgresIdentity } from './database-pod';
import { databaseCertificates, ServerCertificate } from './endpoints';

export const CERT_MANAGER_API = 'cert-manager.io/v1';

/** Validity of an issued certificate, and when cert-manager renews it (Go durations). */
export const CERTIFICATE_DURATION = '2160h';
export const CERTIFICATE_RENEW_BEFORE = '720h';

export interface DatabaseCertificateProps {
  readonly env: Environment;
  /** Which server's certificate this construct issues. */
  readonly server: ServerCertificate['server'];
}

/**
 * A cert-manager Certificate for one server of the database tier (postgres.tls with
 * certManagerIssuer): cert-manager writes tls.crt, tls.key and ca.crt into the Secret the pods
 * mount, and renews it 30 days before it expires. Nothing is rendered without an issuer: you
 * create the Secret yourself (the Secrets contract lists it).
 */
export class DatabaseCertificate extends Construct {
  constructor(scope: Construct, id: string, props: DatabaseCertificateProps) {
    super(scope, id);
    const { env } = props;
    const issuer = env.config.postgres.tls.certManagerIssuer;
    const certificate = databaseCertificates(env.config, env.namespace).find((c) => c.server === props.server);
    if (!issuer || !certificate) return;
    const identity = props.server === 'postgres' ? postgresIdentity(env) : pgbouncerIdentity(env);
    new ApiObject(this, 'Resource', {
      apiVersion: CERT_MANAGER_API,
      kind: 'Certificate',
      metadata: { name: certificate.secretName, namespace: env.namespace, labels: recommendedLabels(identity) },
      spec: {
        secretName: certificate.secretName,
        commonName: certificate.dnsNames[0],
        dnsNames: [...certificate.dnsNames],
        duration: CERTIFICATE_DURATION,
        renewBefore: CERTIFICATE_RENEW_BEFORE,
        // A new key at every renewal; ECDSA P-256 is what PostgreSQL, PgBouncer and libpq all take.
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature', 'key encipherment'],
        issuerRef: { name: issuer.name, kind: issuer.kind, group: 'cert-manager.io' },
      },
    });
  }
}
