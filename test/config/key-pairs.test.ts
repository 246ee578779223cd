import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bech32, keyPairText, rawKeyPair } from '../../lib/config/key-pairs';

// The key pairs npm run secrets writes for the backups: age X25519 (bech32 text) and OpenSSH
// Ed25519. The integration tests encrypt, sign and verify with them through age and ssh-keygen;
// these check the encodings themselves.

describe('bech32 (what age encodes its keys with)', () => {
  test('BIP 173 test vectors', () => {
    expect(bech32('a', Buffer.alloc(0))).toBe('a12uel5l');
    // The data part "qpzry9x8gf2tvdw0s3jn54khce6mua7l" is the 32 words 0..31, i.e. these 20 bytes.
    expect(bech32('abcdef', Buffer.from('00443214c74254b635cf84653a56d7c675be77df', 'hex'))).toBe('abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw');
  });
});

describe('age X25519 pairs', () => {
  test('the recipient is the public key of the identity (X25519 of the scalar), in age\'s text form', () => {
    const raw = rawKeyPair('age-x25519');
    const text = keyPairText('age-x25519', raw, 'unused');
    expect(text.private).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(text.public).toMatch(/^age1[0-9a-z]{58}$/);
    // PKCS#8 of an X25519 private key: a fixed prefix and the 32 bytes.
    const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw.privateKey]);
    const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }) as { x: string };
    expect(Buffer.from(pub.x, 'base64url')).toEqual(raw.publicKey);
    expect(text.public).toBe(bech32('age', raw.publicKey));
  });

  test('two pairs differ', () => {
    expect(keyPairText('age-x25519', rawKeyPair('age-x25519'), '').private).not.toBe(keyPairText('age-x25519', rawKeyPair('age-x25519'), '').private);
  });
});

describe('OpenSSH Ed25519 pairs', () => {
  test('ssh-keygen reads the private key file and derives exactly the public line', () => {
    const raw = rawKeyPair('ssh-ed25519');
    const text = keyPairText('ssh-ed25519', raw, 'pg-backup');
    expect(text.public).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* pg-backup$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypair-'));
    try {
      fs.writeFileSync(path.join(dir, 'key'), text.private, { mode: 0o600 });
      expect(execFileSync('ssh-keygen', ['-y', '-f', path.join(dir, 'key')], { encoding: 'utf8' }).trim()).toBe(text.public);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the seed and public key are a real Ed25519 pair (a signature verifies)', () => {
    const raw = rawKeyPair('ssh-ed25519');
    const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw.privateKey]), format: 'der', type: 'pkcs8' });
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.publicKey]), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from('checksum'), pub, sign(null, Buffer.from('checksum'), priv))).toBe(true);
  });
});
