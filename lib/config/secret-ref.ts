import type { KeyPairKind } from './key-pairs';

/**
 * One key of a Secret the platform reads. Every component lists the keys it reads as SecretRefs;
 * together they are the Secrets contract (platform-secrets.ts): workloads take their secret env
 * vars from it, and the Secrets reference is generated from it. Values are never rendered:
 * operators create these Secrets out of band.
 */
export interface SecretRef {
  /** Name of the Kubernetes Secret (configurable under `secrets`). */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
  /** Environment variable the key is exposed as; '' when no container reads it (a TLS key the ingress controller reads). */
  readonly envVar: string;
  /** What it is and what reads it. */
  readonly description: string;
  /** How to generate a good value (shown in the Secrets reference, docs/secrets.md). */
  readonly generate: string;
  /** Random bytes and encoding for `npm run secrets`; absent when the value comes from elsewhere (an IdP). */
  readonly random?: { readonly bytes: number; readonly encoding: 'base64' | 'hex' };
  /** A non-secret starting value `npm run secrets` writes (e.g. a user name), when not random. */
  readonly value?: string;
  /** Config field that names the Secret, for the Secrets reference; `secrets.<key>` when unset. */
  readonly configField?: string;
  /**
   * Half of a key pair `npm run secrets` draws once per `id` and hands out by part (the private
   * half to the Secret of the process that signs or decrypts, the public half to the other).
   */
  readonly keyPair?: { readonly id: string; readonly kind: KeyPairKind; readonly part: 'private' | 'public'; readonly comment: string };
  /** Mounted as this read-only file (a Secret volume) instead of an env var; envVar is then ''. */
  readonly file?: string;
  /** Type of the Secret when it is not Opaque: a kubernetes.io/tls Secret is created with `kubectl create secret tls`. */
  readonly secretType?: 'kubernetes.io/tls';
  /** For a certificate: the DNS names it must carry (printed in the instructions to create it). */
  readonly dnsNames?: readonly string[];
}

/** How a Secret value is generated: the text of the Secrets reference and the bytes `npm run secrets` draws. */
export const randomBase64 = (bytes: number) => ({ generate: `openssl rand -base64 ${bytes}`, random: { bytes, encoding: 'base64' as const } });
export const randomHex = (bytes: number) => ({ generate: `openssl rand -hex ${bytes}`, random: { bytes, encoding: 'hex' as const } });
