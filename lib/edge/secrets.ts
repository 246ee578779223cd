import type { SecretRef } from '../config/secret-ref';
import type { EdgeConfig } from './schema';

/** What the edge's Secret keys depend on. */
interface EdgeSecretSettings {
  readonly edge: EdgeConfig;
}

/**
 * The certificate the Ingress terminates TLS with (Secret edge.tls.secretName). Part of the
 * contract only when nobody else creates it: cert-manager does with edge.tls.certManagerClusterIssuer,
 * and with the Gateway API TLS ends on the shared Gateway. Never generated: a key for the public
 * host comes from your CA (npm run secrets prints the kubectl create secret tls command).
 */
export function edgeSecretRefs(config: EdgeSecretSettings): SecretRef[] {
  const { edge } = config;
  if (edge.mode !== 'ingress' || edge.tls.certManagerClusterIssuer) return [];
  const common = {
    secretName: edge.tls.secretName,
    envVar: '',
    configField: 'edge.tls.secretName',
    secretType: 'kubernetes.io/tls' as const,
    generate: `kubectl create secret tls ${edge.tls.secretName} --cert=... --key=...`,
  };
  return [
    { ...common, key: 'tls.crt', description: `certificate chain (PEM) for edge.host "${edge.host}", read by the ingress controller; only when edge.tls.certManagerClusterIssuer is unset` },
    { ...common, key: 'tls.key', description: 'its private key (PEM); create the Secret from the file, never commit it' },
  ];
}
