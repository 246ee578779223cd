// The harness's Kubernetes API server: HTTPS with a throwaway CA, ServiceAccount bearer tokens,
// RBAC from the Role/RoleBinding/ClusterRole/ClusterRoleBinding objects in the store, and core/v1
// ConfigMaps and Pods backed by the shared ObjectStore: get, list, watch, create, update, patch
// (strategic merge, JSON merge, JSON patch), delete and deletecollection, with resourceVersion
// preconditions and the Status objects and codes of the real API. That is what Patroni's
// Kubernetes DCS uses (test/e2e/harness/api/README.md lists its calls). Anything else is answered
// with an error that says it is not served or not implemented, and logged: never a silent success.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { load as loadYaml } from 'js-yaml';
import { ADDRESSES, type KubeApiServer } from '../contracts';
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeObject, type ObjectStore } from '../store';
import { makeServingCertificate } from './certificates';
import { jsonEqual } from './json-equal';
import { applyPatch, patchTypeOf } from './patch';
import { authorize, forbiddenMessage, serviceAccountUser, type UserInfo } from './rbac';
import { queryFlag, requestAttributes, type RequestAttributes } from './request-info';
import { servedResource, type ServedResource } from './resources';
import { filterMatches, requestFilter } from './selectors';
import { ApiError, errors, statusObject } from './status';
import { startWatch, type WatchHandle } from './watch';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface HarnessApiServerOptions {
  readonly store: ObjectStore;
  /** Address to listen on (default: the node address, where pods reach the `kubernetes` Service). */
  readonly host?: string;
  /** Port (default 6443); 0 picks a free one (see `port` after start). */
  readonly port?: number;
  /** Names and IPs the serving certificate covers besides the `kubernetes` Service's and the listen address. */
  readonly extraSubjectAltNames?: readonly string[];
  /** Where each line of the server's log goes (denials, errors, unimplemented requests). Default: stderr. */
  readonly log?: (line: string) => void;
  /** How long a watch without timeoutSeconds stays open: a random time between 1x and 2x this (the API's --min-request-timeout, 1800 s). */
  readonly watchTimeoutSeconds?: number;
  /** Interval of BOOKMARK events for watches that allow them (the API sends one about every minute). */
  readonly bookmarkIntervalSeconds?: number;
  /** How long a list waits for the store to reach a resourceVersion it asks for before a 504 (the API's watch cache waits 3 s). */
  readonly resourceVersionWaitMs?: number;
  /** Directory in which openssl makes the certificate (a fresh subdirectory, removed at once). */
  readonly certificateWorkDir?: string;
}

/** One answered request. Never holds a token or a body. */
export interface ApiRequestRecord {
  /** Milliseconds since the epoch, when the request arrived. */
  readonly at: number;
  /** `system:serviceaccount:<ns>:<name>`, or '' when the request was not authenticated. */
  readonly user: string;
  /** The Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection), or the HTTP method for other paths. */
  readonly verb: string;
  readonly method: string;
  /** URL path without the query. */
  readonly path: string;
  /** The query string (selectors, watch, resourceVersion), without the leading '?'. */
  readonly query: string;
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  /** The client's User-Agent header (Patroni sends `Patroni/<version> Python/<version> Linux`, patronictl too). */
  readonly userAgent: string;
  /** HTTP status code. A watch that starts is a 200 even when it then ends with an ERROR event (see `error`). */
  readonly status: number;
  /** The Status message of a failure, or of the ERROR event that ended a watch. */
  readonly error?: string;
}

/** Real API server limit on request bodies. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

const KUBERNETES_SERVICE_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${ADDRESSES.clusterDomain}`];

function apiVersionOf(r: ServedResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function withoutTypeMeta(o: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** Objects equal apart from their resourceVersion (a write that changes nothing is not written). */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return jsonEqual(strip(a), strip(b));
}

function finalizersOf(meta: { [key: string]: unknown }): unknown[] {
  return Array.isArray(meta.finalizers) ? meta.finalizers : [];
}

function parseNonNegativeInt(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw errors.badRequest(`invalid value for ${name}: "${text}": must be a non-negative integer`);
  return Number(text);
}

function parseResourceVersion(text: string | null): string | undefined {
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw errors.badRequest(`resourceVersion: Invalid value: "${text}": must be an integer`);
  return text;
}

interface ContinueToken {
  readonly rv: string;
  readonly start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof t.rv === 'string' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw errors.badRequest(`continue key is not valid: "${text}"`);
}

export class HarnessApiServer implements KubeApiServer {
  private readonly store: ObjectStore;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly log: (line: string) => void;
  private readonly watchTimeoutSeconds: number;
  private readonly bookmarkIntervalSeconds: number;
  private readonly tokens = new Map<string, { namespace: string; name: string }>();
  private readonly tokensBySa = new Map<string, string>();
  private readonly watches = new Set<WatchHandle>();
  private readonly sockets = new Set<Socket>();
  private readonly records: ApiRequestRecord[] = [];
  private server?: Server;
  private ca?: string;
  private listeningPort?: number;

  constructor(private readonly options: HarnessApiServerOptions) {
    this.store = options.store;
    this.host = options.host ?? ADDRESSES.nodeIp;
    this.requestedPort = options.port ?? 6443;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 1800;
    this.bookmarkIntervalSeconds = options.bookmarkIntervalSeconds ?? 60;
  }

  get caCertPem(): string {
    if (this.ca === undefined) throw new Error('HarnessApiServer: caCertPem is known only after start() (the CA is made there)');
    return this.ca;
  }

  get requests(): ReadonlyArray<ApiRequestRecord> {
    return this.records;
  }

  /** The port it listens on (after start). */
  get port(): number {
    if (this.listeningPort === undefined) throw new Error('HarnessApiServer: not started');
    return this.listeningPort;
  }

  /** `https://<host>:<port>` (after start). */
  get url(): string {
    return `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error('HarnessApiServer: start() called twice');
    const sans = [...new Set([...KUBERNETES_SERVICE_NAMES, ADDRESSES.apiServiceIp, this.host, ...(this.options.extraSubjectAltNames ?? [])])];
    const certificate = await makeServingCertificate({ subjectAltNames: sans, workDir: this.options.certificateWorkDir });
    this.ca = certificate.caCertPem;
    const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
      this.handle(req, res).catch((e) => {
        this.log(`kube-api: internal error on ${req.method} ${req.url?.split('?')[0]}: ${(e as Error).stack ?? e}`);
        if (!res.headersSent) this.sendStatus(res, errors.internal((e as Error).message).status);
        else res.destroy();
      });
    });
    // Clients keep connections open between their loops (Patroni's loop is 5-10 s): do not drop them sooner.
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 125_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', (e: Error) => this.log(`kube-api: TLS handshake failed: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`HarnessApiServer: cannot listen on ${this.host}:${this.requestedPort}: ${e.message}` +
        (e.code === 'EADDRNOTAVAIL' ? ' (that address does not exist in this network namespace: start the node network first, or pass host)' : ''))));
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    this.server = server;
    const address = server.address();
    this.listeningPort = typeof address === 'object' && address ? address.port : this.requestedPort;
  }

  async stop(): Promise<void> {
    for (const w of [...this.watches]) w.close();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /**
   * The bearer token of a ServiceAccount (the same one each time: what the kubelet mounts at
   * /var/run/secrets/kubernetes.io/serviceaccount/token). The ServiceAccount must be in the store.
   */
  tokenFor(namespace: string, serviceAccount: string): string {
    if (!this.store.get('ServiceAccount', namespace, serviceAccount)) {
      throw new Error(`ServiceAccount ${namespace}/${serviceAccount} is not in the store: no token can be minted for it ` +
        '(a pod naming it would not start in a cluster either); create the ServiceAccount first');
    }
    const key = `${namespace}/${serviceAccount}`;
    let token = this.tokensBySa.get(key);
    if (!token) {
      token = randomBytes(32).toString('base64url');
      this.tokensBySa.set(key, token);
      this.tokens.set(token, { namespace, name: serviceAccount });
    }
    return token;
  }

  private authenticate(req: IncomingMessage): UserInfo | { failure: string } {
    const header = req.headers.authorization;
    if (!header) return { failure: 'no Authorization header (anonymous requests are not allowed)' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { failure: 'the Authorization header is not a bearer token' };
    const sa = this.tokens.get(m[1]);
    if (!sa) return { failure: 'unknown bearer token' };
    if (!this.store.get('ServiceAccount', sa.namespace, sa.name)) return { failure: `the token's ServiceAccount ${sa.namespace}/${sa.name} no longer exists` };
    return serviceAccountUser(sa.namespace, sa.name);
  }

  private record(r: Omit<ApiRequestRecord, 'at'> & { at: number }): void {
    this.records.push(r);
  }

  private sendJson(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, status: { code: number }): void {
    this.sendJson(res, status.code, status);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'https://kubernetes.default.svc');
    const method = (req.method ?? 'GET').toUpperCase();
    const attributes = requestAttributes(method, url);
    const base = {
      at, method, verb: attributes.verb, userAgent: String(req.headers['user-agent'] ?? ''), path: url.pathname, query: url.search.replace(/^\?/, ''),
      namespace: attributes.namespace, resource: attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource, name: attributes.name,
    };
    const user = this.authenticate(req);
    if ('failure' in user) {
      const status = errors.unauthorized().status;
      this.log(`kube-api: 401 ${method} ${url.pathname}: ${user.failure}`);
      this.record({ ...base, user: '', status: 401, error: user.failure });
      req.resume();
      this.sendStatus(res, status);
      return;
    }

    const decision = authorize(this.store, user, attributes);
    if (!decision.allowed) {
      const message = forbiddenMessage(user, attributes) + (decision.reason ? `: ${decision.reason}` : '');
      const error = attributes.isResourceRequest ? errors.forbidden(attributes.apiGroup, attributes.resource, attributes.name, message) : errors.forbiddenPath(message);
      this.log(`kube-api: 403 ${error.status.message}`);
      this.record({ ...base, user: user.name, status: 403, error: error.status.message });
      req.resume();
      this.sendStatus(res, error.status);
      return;
    }

    try {
      const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? await readBody(req) : (req.resume(), undefined);
      const outcome = await this.serve(method, url, attributes, body, req, res);
      if (outcome.watch) {
        this.watches.add(outcome.watch);
        this.record({ ...base, user: user.name, status: 200 });
        const index = this.records.length - 1;
        const ended = await outcome.watch.ended;
        this.watches.delete(outcome.watch);
        if (ended) {
          this.records[index] = { ...this.records[index], error: ended.message };
          this.log(`kube-api: watch ${url.pathname}?${base.query} ended with ${ended.code} ${ended.reason}: ${ended.message}`);
        }
        return;
      }
      this.record({ ...base, user: user.name, status: outcome.code });
      this.sendJson(res, outcome.code, outcome.body);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const line = `kube-api: ${e.code} ${method} ${url.pathname}${url.search} (${user.name}): ${e.status.message}`;
      // Conflicts and missing objects are part of Patroni's normal protocol; unimplemented and invalid requests are not.
      if (e.code !== 409 && e.code !== 404) this.log(line);
      else if (e.status.reason === 'NotFound' && !e.status.details?.name) this.log(line);
      this.record({ ...base, user: user.name, status: e.code, error: e.status.message });
      this.sendStatus(res, e.status);
    }
  }

  private async serve(method: string, url: URL, a: RequestAttributes, body: Buffer | undefined, req: IncomingMessage, res: ServerResponse):
    Promise<{ code: number; body?: unknown; watch?: WatchHandle }> {
    if (!a.isResourceRequest) {
      throw errors.notServed(`the server could not find the requested resource: ${a.path} is not served by the e2e harness API server (it serves only core/v1 configmaps and pods)`);
    }
    const resource = servedResource(a.apiGroup, a.apiVersion, a.resource);
    if (!resource) {
      throw errors.notServed(`the server could not find the requested resource: ${a.apiGroup ? `${a.apiGroup}/` : ''}${a.apiVersion} ${a.resource} ` +
        'is not served by the e2e harness API server (it serves only core/v1 configmaps and pods)');
    }
    if (a.subresource) throw errors.notServed(`the server could not find the requested resource: subresource ${a.resource}/${a.subresource} is not served by the e2e harness API server`);
    const query = url.searchParams;
    if (query.has('dryRun')) throw errors.notImplemented(`dryRun (${method} ${url.pathname})`);
    if (query.get('fieldValidation') === 'Strict') throw errors.notImplemented('fieldValidation=Strict (unknown fields are not checked)');
    if (!a.namespace && a.verb !== 'list' && a.verb !== 'watch') throw errors.methodNotAllowed();

    switch (a.verb) {
      case 'get':
        if (!a.namedInPath) throw errors.methodNotAllowed();
        if (queryFlag(query, 'watch')) throw errors.notImplemented(`watch on a single object's path (use a list watch with fieldSelector=metadata.name=${a.name})`);
        return { code: 200, body: this.getObject(resource, a) };
      case 'list':
        return { code: 200, body: await this.listObjects(resource, a, query) };
      case 'watch':
        return { watch: this.watch(resource, a, query, res), code: 200 };
      case 'create':
        if (a.namedInPath) throw errors.methodNotAllowed();
        return { code: 201, body: this.createObject(resource, a, parseObjectBody(body, req, resource)) };
      case 'update':
        if (!a.namedInPath) throw errors.methodNotAllowed();
        return { code: 200, body: this.updateObject(resource, a, parseObjectBody(body, req, resource), false) };
      case 'patch': {
        if (!a.namedInPath) throw errors.methodNotAllowed();
        const type = patchTypeOf(req.headers['content-type']);
        const current = this.getObject(resource, a);
        const patched = applyPatch(type, current, parseJson(body, 'patch'));
        return { code: 200, body: this.updateObject(resource, a, checkType(patched, resource), true, current) };
      }
      case 'delete':
        return this.deleteObject(resource, a, query, body && body.length ? parseJson(body, 'DeleteOptions') : undefined);
      case 'deletecollection':
        return { code: 200, body: this.deleteCollection(resource, a, query, body && body.length ? parseJson(body, 'DeleteOptions') : undefined) };
      default:
        throw errors.methodNotAllowed();
    }
  }

  private getObject(resource: ServedResource, a: RequestAttributes): KubeObject {
    const o = this.store.get(resource.kind, a.namespace, a.name);
    if (!o) throw errors.notFound(resource.group, resource.resource, a.name);
    return o;
  }

  private async listObjects(resource: ServedResource, a: RequestAttributes, query: URLSearchParams): Promise<unknown> {
    const filter = requestFilter(query, resource.selectableFields);
    const rv = parseResourceVersion(query.get('resourceVersion'));
    const match = query.get('resourceVersionMatch');
    if (match && match !== 'NotOlderThan' && match !== 'Exact') throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    if (match && rv === undefined) throw errors.badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (queryFlag(query, 'sendInitialEvents')) throw errors.notImplemented('sendInitialEvents (streaming lists)');
    if (rv !== undefined && rv !== '0') await this.waitForResourceVersion(rv);
    if (match === 'Exact' && rv !== this.store.resourceVersion) {
      throw errors.notImplemented(`a list at an exact past resourceVersion (${rv}; the store keeps only the current state, at ${this.store.resourceVersion})`);
    }

    const limit = parseNonNegativeInt(query, 'limit') ?? 0;
    const continueText = query.get('continue');
    const token = continueText ? decodeContinue(continueText) : undefined;
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const listRv = token?.rv ?? this.store.resourceVersion;
    let items = this.store.list(resource.kind, a.namespace || undefined).filter((o) => filterMatches(filter, o, resource.fieldsOf));
    if (token) items = items.filter((o) => keyOf(o) > token.start);
    const metadata: Record<string, unknown> = { resourceVersion: listRv };
    if (limit > 0 && items.length > limit) {
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      metadata.continue = encodeContinue({ rv: listRv, start: keyOf(items[items.length - 1]) });
      if (!query.get('labelSelector') && !query.get('fieldSelector')) metadata.remainingItemCount = remaining;
    }
    return { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata, items: items.map(withoutTypeMeta) };
  }

  private async waitForResourceVersion(rv: string): Promise<void> {
    if (Number(rv) <= Number(this.store.resourceVersion)) return;
    const reached = await new Promise<boolean>((resolve) => {
      let stop: () => void = () => undefined;
      const timer = setTimeout(() => { stop(); resolve(false); }, this.options.resourceVersionWaitMs ?? 3000);
      stop = this.store.watch(() => {
        if (Number(rv) <= Number(this.store.resourceVersion)) {
          clearTimeout(timer);
          stop();
          resolve(true);
        }
      });
    });
    if (!reached) throw errors.tooLargeResourceVersion(rv, this.store.resourceVersion);
  }

  private watch(resource: ServedResource, a: RequestAttributes, query: URLSearchParams, res: ServerResponse): WatchHandle {
    const filter = requestFilter(query, resource.selectableFields);
    if (queryFlag(query, 'sendInitialEvents')) throw errors.notImplemented('sendInitialEvents (streaming lists)');
    const resourceVersion = parseResourceVersion(query.get('resourceVersion'));
    const timeoutSeconds = parseNonNegativeInt(query, 'timeoutSeconds');
    return startWatch({
      store: this.store, resource, namespace: a.namespace, filter, resourceVersion,
      timeoutSeconds: timeoutSeconds === 0 ? undefined : timeoutSeconds,
      allowBookmarks: queryFlag(query, 'allowWatchBookmarks'),
      defaultTimeoutSeconds: this.watchTimeoutSeconds,
      bookmarkIntervalSeconds: this.bookmarkIntervalSeconds,
    }, res);
  }

  private validateOrThrow(resource: ServedResource, o: KubeObject, old?: KubeObject): void {
    const problems = [...resource.validate(o), ...(old ? resource.validateUpdate(old, o) : [])];
    if (problems.length) throw errors.invalid(resource.kind, o.metadata?.name ?? '', problems);
  }

  private createObject(resource: ServedResource, a: RequestAttributes, o: KubeObject): KubeObject {
    if (!resource.clientCreate) {
      throw errors.notImplemented(`creating ${resource.resource} through the API (the harness's controllers create Pods in the store and the kubelet runs them)`);
    }
    const meta = (o.metadata ??= {} as any);
    if (meta.namespace && meta.namespace !== a.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (meta.resourceVersion) throw errors.internal('resourceVersion should not be set on objects to be created');
    meta.namespace = a.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomBytes(4).toString('hex').slice(0, 5)}`;
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields']) delete meta[k];
    o.apiVersion = apiVersionOf(resource);
    o.kind = resource.kind;
    this.validateOrThrow(resource, o);
    try {
      return this.store.create(o);
    } catch (e) {
      if (e instanceof AlreadyExistsError) throw errors.alreadyExists(resource.group, resource.resource, meta.name);
      throw e;
    }
  }

  /**
   * PUT, and PATCH after the patch is applied. The object's resourceVersion, when it has one, is a
   * precondition (409 when stale); without one the write is unconditional, as the API allows for
   * ConfigMaps and Pods. A write that changes nothing keeps the resourceVersion and sends no event.
   */
  private updateObject(resource: ServedResource, a: RequestAttributes, o: KubeObject, isPatch: boolean, current?: KubeObject): KubeObject {
    const meta = (o.metadata ??= {} as any);
    if (meta.name !== a.name) {
      throw errors.badRequest(isPatch ? `metadata.name: Invalid value: "${meta.name}": field is immutable (the patch changes the name from "${a.name}")`
        : `the name of the object (${meta.name}) does not match the name on the URL (${a.name})`);
    }
    if (meta.namespace && meta.namespace !== a.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta.namespace = a.namespace;
    const old = current ?? this.store.get(resource.kind, a.namespace, a.name);
    if (!old) throw errors.notFound(resource.group, resource.resource, a.name);
    const precondition: string | undefined = meta.resourceVersion || undefined;
    if (precondition !== undefined && precondition !== old.metadata.resourceVersion) throw errors.staleResourceVersion(resource.group, resource.resource, a.name);

    // Server-owned metadata comes from the stored object.
    meta.uid ??= old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    meta.generation = old.metadata.generation;
    resource.prepareUpdate(old, o);
    this.validateOrThrow(resource, o, old);

    meta.resourceVersion = old.metadata.resourceVersion;
    if (sameContent(old, o)) return old;
    // The last finalizer removed from an object being deleted: the delete completes now.
    if (meta.deletionTimestamp && finalizersOf(meta).length === 0 && finalizersOf(old.metadata).length > 0 && !resource.gracefulDelete) {
      this.store.delete(resource.kind, a.namespace, a.name, old.metadata.resourceVersion);
      return o;
    }
    try {
      return this.store.replace(o);
    } catch (e) {
      if (e instanceof ConflictError) throw errors.staleResourceVersion(resource.group, resource.resource, a.name);
      if (e instanceof NotFoundError) throw errors.notFound(resource.group, resource.resource, a.name);
      throw e;
    }
  }

  private deleteOptions(query: URLSearchParams, options: any): { grace?: number; preconditions: { resourceVersion?: string; uid?: string } } {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
    if (options?.dryRun?.length) throw errors.notImplemented('dryRun on delete');
    const propagation = options?.propagationPolicy ?? query.get('propagationPolicy') ?? undefined;
    if (propagation === 'Foreground' || options?.orphanDependents === false) {
      throw errors.notImplemented('foreground cascading deletion (there is no garbage collector: dependents are owned by the harness\'s controllers)');
    }
    if (propagation !== undefined && !['Background', 'Orphan'].includes(propagation)) throw errors.badRequest(`propagationPolicy: Unsupported value: "${propagation}"`);
    const graceText = options?.gracePeriodSeconds ?? query.get('gracePeriodSeconds') ?? undefined;
    const grace = graceText === undefined || graceText === null ? undefined : Number(graceText);
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw errors.badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(graceText)}: must be a non-negative integer`);
    return { grace, preconditions: options?.preconditions ?? {} };
  }

  /** Deletes (or, for Pods and objects with finalizers, marks for deletion) one object; returns what the API returns. */
  private deleteOne(resource: ServedResource, o: KubeObject, grace: number | undefined): { wasDeleted: boolean; body: unknown } {
    const { namespace, name } = o.metadata;
    if (resource.gracefulDelete || finalizersOf(o.metadata).length > 0) {
      const seconds = resource.gracefulDelete ? grace ?? resource.defaultGracePeriodSeconds(o) : 0;
      const existing = o.metadata.deletionGracePeriodSeconds as number | undefined;
      if (o.metadata.deletionTimestamp && existing !== undefined && existing <= seconds) return { wasDeleted: false, body: o };
      o.metadata.deletionTimestamp = new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      o.metadata.deletionGracePeriodSeconds = seconds;
      return { wasDeleted: false, body: this.store.replace(o) };
    }
    const gone = this.store.delete(resource.kind, namespace, name, o.metadata.resourceVersion);
    return {
      wasDeleted: true,
      body: { ...statusObject(200, undefined, undefined, { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.resource, uid: gone.metadata.uid }), code: undefined },
    };
  }

  private deleteObject(resource: ServedResource, a: RequestAttributes, query: URLSearchParams, options: any): { code: number; body: unknown } {
    if (!a.namedInPath) throw errors.methodNotAllowed();
    const { grace, preconditions } = this.deleteOptions(query, options);
    const o = this.getObject(resource, a);
    if (preconditions.uid !== undefined && preconditions.uid !== o.metadata.uid) {
      throw errors.conflict(resource.group, resource.resource, a.name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${o.metadata.uid}`);
    }
    if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== o.metadata.resourceVersion) {
      throw errors.conflict(resource.group, resource.resource, a.name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`);
    }
    return { code: 200, body: JSON.parse(JSON.stringify(this.deleteOne(resource, o, grace).body)) };
  }

  private deleteCollection(resource: ServedResource, a: RequestAttributes, query: URLSearchParams, options: any): unknown {
    const filter = requestFilter(query, resource.selectableFields);
    const { grace, preconditions } = this.deleteOptions(query, options);
    if (preconditions.resourceVersion !== undefined || preconditions.uid !== undefined) throw errors.badRequest('preconditions are not allowed on a deletecollection');
    const deleted: unknown[] = [];
    for (const o of this.store.list(resource.kind, a.namespace)) {
      if (!filterMatches(filter, o, resource.fieldsOf)) continue;
      const { wasDeleted, body } = this.deleteOne(resource, o, grace);
      deleted.push(withoutTypeMeta(wasDeleted ? o : (body as KubeObject)));
    }
    return { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: this.store.resourceVersion }, items: deleted };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(statusObject(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer | undefined, what: string): any {
  if (!body || body.length === 0) throw errors.badRequest(`the request has no body (${what} expected)`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`the body of the request is not valid JSON (${what}): ${(e as Error).message}`);
  }
}

/** POST and PUT bodies: JSON, or YAML as kubectl may send; the kind and apiVersion, when given, must be the resource's. */
function parseObjectBody(body: Buffer | undefined, req: IncomingMessage, resource: ServedResource): KubeObject {
  const mediaType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  let o: any;
  if (mediaType === 'application/json' || mediaType === '') o = parseJson(body, resource.kind);
  else if (mediaType === 'application/yaml') {
    try {
      o = loadYaml(body?.toString('utf8') ?? '');
    } catch (e) {
      throw errors.badRequest(`the body of the request is not valid YAML: ${(e as Error).message}`);
    }
  } else throw errors.unsupportedMediaType(mediaType, ['application/json', 'application/yaml']);
  return checkType(o, resource);
}

function checkType(o: any, resource: ServedResource): KubeObject {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw errors.badRequest(`the body of the request must be a ${resource.kind} object`);
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(resource)) {
    throw errors.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(resource)})`);
  }
  if (o.kind !== undefined && o.kind !== resource.kind) throw errors.badRequest(`${o.kind} in version "${apiVersionOf(resource)}" cannot be handled as a ${resource.kind}: the kind does not match the URL`);
  o.apiVersion = apiVersionOf(resource);
  o.kind = resource.kind;
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) throw errors.badRequest('metadata must be an object');
  return o as KubeObject;
}
