import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

// The harness's cluster state: every object read from dist/<env>/ and every object the harness
// and its pods create at run time (Pods, ConfigMaps Patroni writes, Endpoints, Jobs of CronJobs).
// It plays the part of etcd behind the API server: the controllers, the kubelet, the network and
// the API server all read and write here, and watch its events.

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  [key: string]: unknown;
}

/** Any Kubernetes object. Fields other than metadata are kept as the YAML (or a client) gave them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: any;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** A copy of the object after the change (for DELETED, as it was, with a fresh resourceVersion). */
  readonly object: KubeObject;
  /** For MODIFIED, a copy of the object before the change. */
  readonly old?: KubeObject;
}

/** A write that lost a race: the caller's resourceVersion is not the stored one (HTTP 409). */
export class ConflictError extends Error {
  constructor(readonly kind: string, readonly namespace: string | undefined, readonly name: string, expected: string, actual: string) {
    super(`${kind} ${namespace ? `${namespace}/` : ''}${name}: resourceVersion ${expected} is stale (now ${actual})`);
  }
}

/** Create of an existing object (HTTP 409 AlreadyExists). */
export class AlreadyExistsError extends Error {
  constructor(readonly kind: string, readonly namespace: string | undefined, readonly name: string) {
    super(`${kind} ${namespace ? `${namespace}/` : ''}${name} already exists`);
  }
}

/** Read or write of a missing object (HTTP 404). */
export class NotFoundError extends Error {
  constructor(readonly kind: string, readonly namespace: string | undefined, readonly name: string) {
    super(`${kind} ${namespace ? `${namespace}/` : ''}${name} not found`);
  }
}

/** A watch from a resourceVersion older than the history the store keeps (HTTP 410 Expired). */
export class ExpiredError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`resourceVersion ${requested} is too old (oldest kept: ${oldest})`);
  }
}

/** `matchLabels` and `matchExpressions` of a LabelSelector, or an equality map. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Does `labels` satisfy `selector`? An empty selector matches everything (as in the API). */
export function selectorMatches(selector: LabelSelector | Record<string, string> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  const isSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = (isSelector ? (selector as LabelSelector).matchLabels : selector) as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of (isSelector ? (selector as LabelSelector).matchExpressions : undefined) ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(l[e.key])) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unsupported label selector operator ${(e as any).operator}`);
    }
  }
  return true;
}

/** Parses the API's `labelSelector` query syntax (`a=b,c!=d,e,!f,g in (x,y)`) into a matcher. */
export function parseLabelSelector(text: string): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  const terms: Array<(l: Record<string, string>) => boolean> = [];
  // Split on commas that are not inside parentheses.
  const parts = text.split(/,(?![^(]*\))/).map((p) => p.trim()).filter(Boolean);
  for (const part of parts) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key, op, list] = m;
      const values = list.split(',').map((v) => v.trim());
      terms.push(op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key]));
    } else if ((m = part.match(/^([^\s!=]+)\s*!=\s*(\S*)$/))) {
      const [, key, value] = m;
      terms.push((l) => l[key] !== value);
    } else if ((m = part.match(/^([^\s!=]+)\s*==?\s*(\S*)$/))) {
      const [, key, value] = m;
      terms.push((l) => l[key] === value);
    } else if ((m = part.match(/^!([^\s!=]+)$/))) {
      const key = m[1];
      terms.push((l) => !(key in l));
    } else if ((m = part.match(/^([^\s!=]+)$/))) {
      const key = m[1];
      terms.push((l) => key in l);
    } else {
      throw new Error(`cannot parse label selector term "${part}"`);
    }
  }
  return (labels) => terms.every((t) => t(labels ?? {}));
}

const keyOf = (kind: string, namespace: string | undefined, name: string) => `${kind}\u0000${namespace ?? ''}\u0000${name}`;
const copy = <T>(o: T): T => structuredClone(o);

/**
 * Objects keyed by kind, namespace and name, with one resourceVersion counter for the whole store
 * (as etcd's revision) and an event for every change. Reads return copies: callers change an
 * object by writing it back (`replace`, `update`), never by mutating what they read.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly events = new EventEmitter();
  private revision = 0;
  /** Recent events, for watches that resume from a resourceVersion. */
  private readonly history: Array<{ revision: number; event: WatchEvent }> = [];
  private static readonly HISTORY = 5000;

  constructor() {
    this.events.setMaxListeners(0);
  }

  /** The store's current resourceVersion (a list's `metadata.resourceVersion`). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(kind, namespace, name));
    return o && copy(o);
  }

  /** Objects of a kind, optionally in one namespace and matching a label predicate, by name. */
  list(kind: string, namespace?: string, labels?: (l: Readonly<Record<string, string>> | undefined) => boolean): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.objects.values()) {
      if (o.kind !== kind) continue;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      if (labels && !labels(o.metadata.labels)) continue;
      out.push(copy(o));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** Adds a new object; fills uid, resourceVersion, creationTimestamp and generation. */
  create(object: KubeObject): KubeObject {
    const { kind, metadata } = object;
    const key = keyOf(kind, metadata.namespace, metadata.name);
    if (this.objects.has(key)) throw new AlreadyExistsError(kind, metadata.namespace, metadata.name);
    const stored = copy(object);
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= new Date().toISOString();
    stored.metadata.generation ??= 1;
    stored.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key, stored);
    this.emit({ type: 'ADDED', object: copy(stored) });
    return copy(stored);
  }

  /**
   * Writes a changed object. When it carries a resourceVersion, that must be the stored one
   * (optimistic concurrency, as the API server does); without one the write is unconditional.
   */
  replace(object: KubeObject): KubeObject {
    const { kind, metadata } = object;
    const key = keyOf(kind, metadata.namespace, metadata.name);
    const old = this.objects.get(key);
    if (!old) throw new NotFoundError(kind, metadata.namespace, metadata.name);
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw new ConflictError(kind, metadata.namespace, metadata.name, metadata.resourceVersion, old.metadata.resourceVersion!);
    }
    const stored = copy(object);
    stored.metadata.uid = old.metadata.uid;
    stored.metadata.creationTimestamp = old.metadata.creationTimestamp;
    const specChanged = JSON.stringify(old.spec) !== JSON.stringify(stored.spec);
    stored.metadata.generation = (old.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    stored.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key, stored);
    this.emit({ type: 'MODIFIED', object: copy(stored), old: copy(old) });
    return copy(stored);
  }

  /** Read, change and write back, retrying when another writer got there first. */
  update(kind: string, namespace: string | undefined, name: string, change: (o: KubeObject) => void): KubeObject {
    for (;;) {
      const current = this.get(kind, namespace, name);
      if (!current) throw new NotFoundError(kind, namespace, name);
      change(current);
      try {
        return this.replace(current);
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
  }

  /** Removes an object; with `resourceVersion`, only if it is still that version. */
  delete(kind: string, namespace: string | undefined, name: string, resourceVersion?: string): KubeObject {
    const key = keyOf(kind, namespace, name);
    const old = this.objects.get(key);
    if (!old) throw new NotFoundError(kind, namespace, name);
    if (resourceVersion !== undefined && resourceVersion !== old.metadata.resourceVersion) {
      throw new ConflictError(kind, namespace, name, resourceVersion, old.metadata.resourceVersion!);
    }
    this.objects.delete(key);
    const gone = copy(old);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', object: copy(gone) });
    return gone;
  }

  /**
   * Calls `listener` for every change from now on (or, with `sinceResourceVersion`, replays the
   * changes after it first; throws when they are no longer in the history: HTTP 410 Gone).
   * Returns the function that stops the watch.
   */
  watch(listener: (e: WatchEvent) => void, sinceResourceVersion?: string): () => void {
    if (sinceResourceVersion !== undefined && sinceResourceVersion !== '' && sinceResourceVersion !== '0') {
      const since = Number(sinceResourceVersion);
      const oldest = this.history.length ? this.history[0].revision : this.revision + 1;
      if (since < oldest - 1 && since < this.revision) throw new ExpiredError(since, oldest);
      for (const h of this.history) if (h.revision > since) listener(copy(h.event));
    }
    const handler = (e: WatchEvent) => listener(copy(e));
    this.events.on('event', handler);
    return () => this.events.off('event', handler);
  }

  private emit(event: WatchEvent): void {
    this.history.push({ revision: Number(event.object.metadata.resourceVersion), event });
    if (this.history.length > ObjectStore.HISTORY) this.history.shift();
    this.events.emit('event', event);
  }
}
