import { opsSecretRefs } from '../ops/secrets';
import { databaseSecretRefs } from '../postgres/secrets';
import type { PlatformConfig } from './schema';
import type { SecretRef } from './secret-ref';
import { supersetSecretRefs } from '../superset/secrets';

/**
 * Every Secret key the platform reads, whatever component reads it. Components add their own
 * list here, so the README table, the secrets script and the ExternalSecrets cover everything.
 */
export function allSecretRefs(config: PlatformConfig, options: { readonly allOptional?: boolean } = {}): SecretRef[] {
  return [...supersetSecretRefs(config), ...databaseSecretRefs(config, options), ...opsSecretRefs(config)];
}
