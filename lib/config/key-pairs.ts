import { generateKeyPairSync } from 'node:crypto';

// Key pairs `npm run secrets` generates, in the text formats the tools in the pods read: age
// (X25519, `age-keygen` format) for encrypting backups, and OpenSSH Ed25519 for signing their
// checksums (`ssh-keygen -Y sign` / `-Y verify`). The private half and the public half usually
// go to different Secrets (the uploader holds one, the restorer the other), so a pair is drawn
// once per id and handed out by part.

export type KeyPairKind = 'age-x25519' | 'ssh-ed25519';

export interface KeyPairText {
  readonly private: string;
  readonly public: string;
}

/** Raw 32-byte keys; tests inject fixed ones, `npm run secrets` draws them from the system CSPRNG. */
export interface RawKeyPair {
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
}

/** A fresh X25519 or Ed25519 key pair as raw 32-byte values (node's JWK export: d and x). */
export function rawKeyPair(kind: KeyPairKind): RawKeyPair {
  const { privateKey } = kind === 'age-x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  return { privateKey: Buffer.from(jwk.d, 'base64url'), publicKey: Buffer.from(jwk.x, 'base64url') };
}

// --- bech32 (BIP 173), what age encodes its keys with ---------------------------------------------
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i];
  }
  return chk >>> 0;
}

function toWords(data: Buffer): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/** bech32 encoding of `data` with human-readable part `hrp` (lower case). */
export function bech32(hrp: string, data: Buffer): string {
  const words = toWords(data);
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const mod = polymod([...expanded, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => BECH32[w]).join('')}`;
}

// --- OpenSSH key formats (PROTOCOL.key) -----------------------------------------------------------
function sshString(data: Buffer | string): Buffer {
  const body = Buffer.from(data);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function sshUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The unencrypted "openssh-key-v1" private key file of an Ed25519 key (seed and public key). */
export function opensshEd25519PrivateKey(seed: Buffer, publicKey: Buffer, comment: string, checkInt: number): string {
  const pub = Buffer.concat([sshString('ssh-ed25519'), sshString(publicKey)]);
  let priv = Buffer.concat([
    sshUint32(checkInt), sshUint32(checkInt),
    sshString('ssh-ed25519'), sshString(publicKey), sshString(Buffer.concat([seed, publicKey])), sshString(comment),
  ]);
  // Padded with 1, 2, 3, ... to the cipher block size (8 for "none").
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), sshUint32(1), sshString(pub), sshString(priv),
  ]).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export function opensshEd25519PublicKey(publicKey: Buffer, comment: string): string {
  return `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(publicKey)]).toString('base64')} ${comment}`;
}

/**
 * The text of a key pair: age's "AGE-SECRET-KEY-1..." identity and "age1..." recipient, or an
 * OpenSSH private key file and its "ssh-ed25519 AAAA... comment" line.
 */
export function keyPairText(kind: KeyPairKind, raw: RawKeyPair, comment: string): KeyPairText {
  if (kind === 'age-x25519') {
    return { private: bech32('age-secret-key-', raw.privateKey).toUpperCase(), public: bech32('age', raw.publicKey) };
  }
  const checkInt = raw.publicKey.readUInt32BE(0);
  return { private: opensshEd25519PrivateKey(raw.privateKey, raw.publicKey, comment, checkInt), public: opensshEd25519PublicKey(raw.publicKey, comment) };
}
