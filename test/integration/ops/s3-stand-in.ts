import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

// A small S3-compatible server for the integration tests, on 127.0.0.1 only: objects in memory,
// PUT/GET/HEAD/DELETE object and ListObjectsV2 (with pagination), path-style and virtual-hosted
// addressing. Every request must carry a valid AWS Signature Version 4 (header form) made with
// one of the test's throwaway keys, and a PUT's x-amz-content-sha256 must match its body, as
// AWS S3 requires. Each key has a policy like a bucket policy's (which actions on which key
// prefixes); anything else is refused with 403 AccessDenied. Temporary keys (StsStandIn) also need
// their signed session token. Faults can be injected per request to test the scripts' failure paths.

export interface StoredObject {
  readonly body: Buffer;
  readonly lastModified: Date;
}

export interface RequestRecord {
  readonly method: string;
  readonly key: string;
  readonly query: string;
  readonly status: number;
  /** The access key that signed it ('' when unsigned or unknown). */
  readonly accessKeyId: string;
}

/** What a key may do, as a bucket policy grants it: s3:ListBucket, GetObject, PutObject, DeleteObject. */
export type S3Action = 'list' | 'get' | 'put' | 'delete';

/** One access key and its policy: for each action, the key prefixes it applies to ("" is everything). */
export interface S3Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly allow: Readonly<Partial<Record<S3Action, readonly string[]>>>;
  /**
   * Temporary credentials (from the token service): every request must carry this in a signed
   * x-amz-security-token header, and none is accepted after `expires`.
   */
  readonly sessionToken?: string;
  readonly expires?: Date;
}

/** A key that may do everything in the bucket. */
export const FULL_ACCESS: S3Key['allow'] = { list: [''], get: [''], put: [''], delete: [''] };

/** Return an HTTP status to fail the request with it, or undefined to serve it. */
export type Fault = (method: string, key: string) => number | undefined;

export interface S3StandInOptions {
  /** A key with full access (the stand-in's first key), unless only `keys` are given. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** More keys, each with its own policy. */
  readonly keys?: readonly S3Key[];
  readonly region: string;
  readonly bucket: string;
  /** Keys per ListObjectsV2 page (S3: 1000); small, so the scripts' pagination is exercised. */
  readonly pageSize?: number;
  /** Where to listen (default 127.0.0.1 on a free port); the e2e harness gives it an outside address. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 canonicalizes: only A-Z a-z 0-9 - _ . ~ stay. */
export function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface SignatureInput {
  readonly method: string;
  /** The path as sent (already encoded). */
  readonly path: string;
  /** The raw query string, without "?". */
  readonly query: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly amzDate: string;
  readonly region: string;
  readonly secretAccessKey: string;
}

/** The SigV4 signature of a request (AWS "Signature Calculations for the Authorization Header"). */
export function sigv4Signature(i: SignatureInput): string {
  const canonicalQuery = i.query === ''
    ? ''
    : i.query.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      const [k, v] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      return [awsEncode(decodeURIComponent(k)), awsEncode(decodeURIComponent(v))];
    }).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = i.signedHeaders.map((h) => `${h}:${(i.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [i.method, i.path, canonicalQuery, canonicalHeaders, i.signedHeaders.join(';'), i.payloadHash].join('\n');
  const day = i.amzDate.slice(0, 8);
  const scope = `${day}/${i.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', i.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${i.secretAccessKey}`, day), i.region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class S3StandIn {
  public readonly objects = new Map<string, StoredObject>();
  public readonly requests: RequestRecord[] = [];
  /** Set by a test to make requests fail; cleared with `fault = undefined`. */
  public fault: Fault | undefined;
  private server: http.Server | undefined;
  private port = 0;
  private readonly keyring: S3Key[];

  constructor(private readonly o: S3StandInOptions) {
    this.keyring = [
      ...(o.accessKeyId && o.secretAccessKey ? [{ accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, allow: FULL_ACCESS }] : []),
      ...(o.keys ?? []),
    ];
    if (this.keyring.length === 0) throw new Error('S3StandIn: no access key');
  }

  /** Adds a key (e.g. the read-only key of a test) while the server runs. */
  addKey(key: S3Key): void {
    this.keyring.push(key);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Endpoint for virtual-hosted addressing: curl resolves *.localhost to the loopback address. */
  get localhostEndpoint(): string {
    return `http://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    };
    this.server = this.o.tls ? https.createServer({ cert: this.o.tls.cert, key: this.o.tls.key }, handler) : http.createServer(handler);
    const listen = this.o.listen ?? { host: '127.0.0.1', port: 0 };
    await new Promise<void>((resolve) => this.server!.listen(listen.port, listen.host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Keys under a prefix, sorted. */
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  put(key: string, body: Buffer | string, lastModified = new Date()): void {
    this.objects.set(key, { body: Buffer.from(body), lastModified });
  }

  private reply(res: http.ServerResponse, method: string, key: string, query: string, status: number, body: string | Buffer = '', headers: Record<string, string> = {}): void {
    this.requests.push({ method, key, query, status, accessKeyId: this.signer.get(res) ?? '' });
    res.writeHead(status, { 'content-type': 'application/xml', ...headers });
    res.end(method === 'HEAD' ? undefined : body);
  }

  private error(res: http.ServerResponse, method: string, key: string, query: string, status: number, code: string, message: string): void {
    this.reply(res, method, key, query, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
  }

  private readonly signer = new WeakMap<http.ServerResponse, string>();

  /** Why the request's signature is not acceptable, or undefined when it is (then `signer` is set). */
  private authProblem(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: string, body: Buffer): string | undefined {
    const auth = req.headers.authorization ?? '';
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return 'no SigV4 Authorization header';
    const [, accessKey, day, region, signed, signature] = m;
    const known = this.keyring.find((k) => k.accessKeyId === accessKey);
    if (!known) return 'unknown access key';
    if (region !== this.o.region) return `wrong region ${region}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : String(v ?? '');
    const signedHeaders = signed.split(';');
    for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
      if (!signedHeaders.includes(required)) return `${required} is not signed`;
    }
    const amzDate = headers['x-amz-date'];
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return 'bad x-amz-date';
    const sent = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs(Date.now() - sent) > 15 * 60 * 1000) return 'request time too skewed';
    if (known.sessionToken !== undefined) {
      if (!signedHeaders.includes('x-amz-security-token')) return 'x-amz-security-token is not signed';
      const sent = Buffer.from(headers['x-amz-security-token'] ?? '');
      if (sent.length !== known.sessionToken.length || !timingSafeEqual(sent, Buffer.from(known.sessionToken))) return 'wrong session token';
      if (known.expires && known.expires.getTime() < Date.now()) return 'ExpiredToken';
    }
    const payloadHash = headers['x-amz-content-sha256'];
    const expected = sigv4Signature({ method: req.method!, path, query, headers, signedHeaders, payloadHash, amzDate, region, secretAccessKey: known.secretAccessKey });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return 'signature does not match';
    this.signer.set(res, accessKey);
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return 'XAmzContentSHA256Mismatch';
    return undefined;
  }

  /** Whether the signing key's policy allows `action` on `key` (for a listing: on its prefix). */
  private allowed(res: http.ServerResponse, action: S3Action, key: string): boolean {
    const policy = this.keyring.find((k) => k.accessKeyId === this.signer.get(res))?.allow[action] ?? [];
    return policy.some((prefix) => key.startsWith(prefix));
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const method = req.method ?? 'GET';
    const [rawPath, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    // Virtual-hosted: bucket.localhost/key; path-style: /bucket/key.
    let bucket: string;
    let key: string;
    if (host.endsWith('.localhost')) {
      bucket = host.slice(0, -'.localhost'.length);
      key = decodeURIComponent(rawPath.slice(1));
    } else {
      const parts = rawPath.slice(1).split('/');
      bucket = parts[0];
      key = decodeURIComponent(parts.slice(1).join('/'));
    }

    const problem = this.authProblem(req, res, rawPath, query, body);
    if (problem === 'XAmzContentSHA256Mismatch') return this.error(res, method, key, query, 400, problem, 'The provided x-amz-content-sha256 header does not match what was computed.');
    if (problem) return this.error(res, method, key, query, 403, 'SignatureDoesNotMatch', problem);
    if (bucket !== this.o.bucket) return this.error(res, method, key, query, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    const injected = this.fault?.(method, key);
    if (injected) return this.error(res, method, key, query, injected, 'InternalError', 'injected fault');

    const action: S3Action | undefined = key === '' && method === 'GET' ? 'list'
      : method === 'GET' || method === 'HEAD' ? 'get' : method === 'PUT' ? 'put' : method === 'DELETE' ? 'delete' : undefined;
    const target = action === 'list' ? new URLSearchParams(query).get('prefix') ?? '' : key;
    if (action && !this.allowed(res, action, target)) return this.error(res, method, key, query, 403, 'AccessDenied', `the key may not ${action} ${target || '(the whole bucket)'}`);
    if (action === 'list') return this.list(res, query);
    switch (method) {
      case 'PUT':
        this.put(key, body);
        return this.reply(res, method, key, query, 200, '', { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      case 'GET':
      case 'HEAD': {
        const o = this.objects.get(key);
        if (!o) return this.error(res, method, key, query, 404, 'NoSuchKey', 'The specified key does not exist.');
        return this.reply(res, method, key, query, 200, method === 'GET' ? o.body : '', {
          'content-type': 'application/octet-stream',
          'content-length': String(o.body.length),
          'last-modified': o.lastModified.toUTCString(),
        });
      }
      case 'DELETE':
        this.objects.delete(key);
        return this.reply(res, method, key, query, 204);
      default:
        return this.error(res, method, key, query, 405, 'MethodNotAllowed', method);
    }
  }

  private list(res: http.ServerResponse, query: string): void {
    const params = new URLSearchParams(query);
    if (params.get('list-type') !== '2') return this.error(res, 'GET', '', query, 400, 'InvalidArgument', 'only ListObjectsV2');
    const prefix = params.get('prefix') ?? '';
    const after = params.get('continuation-token') ? Buffer.from(params.get('continuation-token')!, 'base64').toString() : '';
    const pageSize = Math.min(Number(params.get('max-keys') ?? 1000), this.o.pageSize ?? 1000);
    const all = this.keys(prefix).filter((k) => k > after);
    const page = all.slice(0, pageSize);
    const truncated = all.length > page.length;
    const contents = page.map((k) => {
      const o = this.objects.get(k)!;
      return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }).join('');
    // base64 tokens contain "+", "/" and "=": the client must encode them properly to be signed right.
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64')}</NextContinuationToken>` : '';
    this.reply(res, 'GET', '', query, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${this.o.bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`);
  }
}

export { EMPTY_SHA256 };
