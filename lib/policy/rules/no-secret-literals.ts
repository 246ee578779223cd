import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Env var names that hold secrets by convention. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;

/** Where a secret is, not the secret: a *_FILE / *_DIR / *_PATH variable holding an absolute path. */
const PATH_TO_SECRET = { name: /_(FILE|DIR|PATH)$/, value: /^\/[A-Za-z0-9._/-]+$/ };

/** Lines of a config file that assign a literal to a secret-looking name, or embed credentials in a URL. */
const SECRET_ASSIGNMENT = /(password|passwd|secret|token|api_?key|private_?key)\w*["']?\s*[:=]\s*["'][^"'{}\s]{4,}["']/i;
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@{}"']*:[^@\s{}"']{3,}@/i;
/**
 * Settings whose name says "password" or "token" but whose value is a method or a field name,
 * never a secret: PostgreSQL's password_encryption, and the token_key of an OAuth provider
 * (which field of the token response holds the access token).
 */
const NOT_A_SECRET_SETTING = /^\s*["']?(password_encryption|token_key)["']?\s*[:=]\s*["']?(md5|scram-sha-256|access_token|id_token)["']?,?\s*$/i;

export const noSecretLiterals: PolicyRule = {
  id: 'no-secret-literals',
  statement: 'No secret value is rendered: no Secret objects with data, secret-named env vars come from secretKeyRef, and ConfigMaps hold no passwords, keys or credentials in URLs.',
  fix: 'read the value from a Secret by reference (env valueFrom.secretKeyRef) and list it in the Secret refs of its component (lib/<component>/secrets.ts)',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const o of objects) {
      const x = o as any;
      if (o.kind === 'Secret' && (x.data || x.stringData)) {
        out.push({ rule: this.id, object: describeObject(o), message: 'a Secret with values is rendered' });
      }
      if (o.kind === 'ConfigMap') {
        for (const [key, text] of Object.entries<string>(x.data ?? {})) {
          text.split('\n').forEach((line, i) => {
            if ((SECRET_ASSIGNMENT.test(line) && !NOT_A_SECRET_SETTING.test(line)) || URL_CREDENTIALS.test(line)) {
              out.push({ rule: this.id, object: describeObject(o), message: `data "${key}" line ${i + 1} looks like a secret literal: ${line.trim().slice(0, 80)}` });
            }
          });
        }
      }
    }
    for (const pod of podsOf(objects)) {
      for (const c of containersOf(pod)) {
        for (const e of c.container.env ?? []) {
          const isPath = PATH_TO_SECRET.name.test(e.name) && PATH_TO_SECRET.value.test(e.value ?? '');
          if (SECRET_NAME.test(e.name) && e.value !== undefined && !isPath) {
            out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: env ${e.name} has a literal value` });
          }
        }
      }
    }
    return out;
  },
};
