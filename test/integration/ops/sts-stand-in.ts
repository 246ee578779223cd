import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { S3Key, S3StandIn } from './s3-stand-in';

// A token service for the integration tests, on 127.0.0.1 only (HTTPS, as the scripts insist):
// AWS STS AssumeRoleWithWebIdentity as its API reference describes it (an unsigned form POST;
// XML answer with AccessKeyId, SecretAccessKey, SessionToken and Expiration; ErrorResponse with
// AccessDenied or InvalidIdentityToken otherwise). It also plays the cluster's token issuer:
// `token()` makes the ServiceAccount token the kubelet would project (a JWT with iss, sub, aud,
// exp), signed with a key only it holds, so a forged or altered token is refused. Each role has
// a trust policy (the ServiceAccount subject and the audience it accepts) and the bucket policy
// its temporary keys get in the S3 stand-in.

export interface StsRole {
  readonly roleArn: string;
  /** The trust policy's condition: "system:serviceaccount:<namespace>:<name>". */
  readonly subject: string;
  readonly allow: S3Key['allow'];
}

export interface StsCall {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly status: number;
}

export interface StsStandInOptions {
  readonly s3: S3StandIn;
  readonly roles: readonly StsRole[];
  readonly audience: string;
  readonly tls: { readonly cert: string; readonly key: string };
}

const ISSUER = 'https://oidc.integration.test';
const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class StsStandIn {
  public readonly calls: StsCall[] = [];
  /** How long the temporary keys really last (unset: the DurationSeconds asked for). */
  public lifetimeSeconds: number | undefined;
  private server: https.Server | undefined;
  private port = 0;
  private readonly signingKey = randomBytes(32);

  constructor(private readonly o: StsStandInOptions) {}

  get endpoint(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** A projected ServiceAccount token for `subject` with `audience`, valid for `seconds`. */
  token(subject: string, audience = this.o.audience, seconds = 3600): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ iss: ISSUER, sub: subject, aud: [audience], exp: Math.floor(Date.now() / 1000) + seconds }));
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  async start(): Promise<void> {
    this.server = https.createServer({ cert: this.o.tls.cert, key: this.o.tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.method ?? 'GET', Buffer.concat(chunks).toString(), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.signingKey).update(data).digest('base64url');
  }

  /** The token's claims when its signature is ours and it has not expired; else why not. */
  private claims(token: string): { sub: string; aud: string[] } | string {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return 'not a JWT';
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    if (expected.length !== signature.length || !timingSafeEqual(expected, Buffer.from(signature))) return 'signature does not verify';
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString());
    if (c.iss !== ISSUER) return 'unknown issuer';
    if (typeof c.exp !== 'number' || c.exp * 1000 < Date.now()) return 'token expired';
    return { sub: String(c.sub), aud: Array.isArray(c.aud) ? c.aud.map(String) : [String(c.aud)] };
  }

  private handle(method: string, body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const durationSeconds = Number(form.get('DurationSeconds') ?? 3600);
    const fail = (status: number, code: string, message: string) => {
      this.calls.push({ roleArn, sessionName, durationSeconds, status });
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`);
    };
    if (method !== 'POST' || form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('Version') !== '2011-06-15') return fail(400, 'InvalidAction', 'only AssumeRoleWithWebIdentity, version 2011-06-15');
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) return fail(400, 'ValidationError', 'RoleSessionName must match [\\w+=,.@-]{2,64}');
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) return fail(400, 'ValidationError', 'DurationSeconds must be 900-43200');
    const claims = this.claims(form.get('WebIdentityToken') ?? '');
    if (typeof claims === 'string') return fail(400, 'InvalidIdentityToken', claims);
    const role = this.o.roles.find((r) => r.roleArn === roleArn);
    if (!role || role.subject !== claims.sub || !claims.aud.includes(this.o.audience)) {
      return fail(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    const expires = new Date(Date.now() + (this.lifetimeSeconds ?? durationSeconds) * 1000);
    const key: S3Key = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expires,
      allow: role.allow,
    };
    this.o.s3.addKey(key);
    this.calls.push({ roleArn, sessionName, durationSeconds, status: 200 });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end([
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>',
      `<SubjectFromWebIdentityToken>${claims.sub}</SubjectFromWebIdentityToken><Audience>${this.o.audience}</Audience>`,
      `<AssumedRoleUser><Arn>${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}</Arn><AssumedRoleId>AROA${randomBytes(6).toString('hex').toUpperCase()}:${sessionName}</AssumedRoleId></AssumedRoleUser>`,
      `<Credentials><SessionToken>${key.sessionToken}</SessionToken><SecretAccessKey>${key.secretAccessKey}</SecretAccessKey><Expiration>${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration><AccessKeyId>${key.accessKeyId}</AccessKeyId></Credentials>`,
      `<Provider>${ISSUER}</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    ].join(''));
  }
}
