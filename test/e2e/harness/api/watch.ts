// A watch request (GET ...?watch=1): a chunked stream of JSON events, one per line, as the API
// sends them. Without a resourceVersion (or with "0") it starts with an ADDED event for every
// matching object; with one it replays the changes after it from the store's history, or, when
// that is too old, sends one ERROR event with a 410 Expired Status and ends (clients then list
// again). A change that makes an object match the selectors arrives as ADDED, one that makes it
// stop matching as DELETED, as the API's watch cache does. Optional BOOKMARK events; the stream
// ends after timeoutSeconds, or after a random time between 1x and 2x the server's watch timeout.

import type { ServerResponse } from 'node:http';
import { ExpiredError, type KubeObject, type ObjectStore, type WatchEvent } from '../store';
import type { ServedResource } from './resources';
import { filterMatches, type ObjectFilter } from './selectors';
import { errors, type Status } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface WatchRequest {
  readonly store: ObjectStore;
  readonly resource: ServedResource;
  /** '' for all namespaces. */
  readonly namespace: string;
  readonly filter: ObjectFilter;
  readonly resourceVersion: string | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly allowBookmarks: boolean;
  readonly defaultTimeoutSeconds: number;
  readonly bookmarkIntervalSeconds: number;
}

export interface WatchHandle {
  /** Ends the stream now (server stop). */
  close(): void;
  /** Resolves when the stream has ended, for whatever reason, with the Status of an ERROR event if one ended it. */
  readonly ended: Promise<Status | undefined>;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'BOOKMARK';

/** The event a watcher with `filter` sees for a store event, or none. */
export function visibleEvent(request: Pick<WatchRequest, 'resource' | 'namespace' | 'filter'>, e: WatchEvent): { type: EventType; object: KubeObject } | undefined {
  const { resource, namespace, filter } = request;
  if (e.object.kind !== resource.kind || e.object.apiVersion !== (resource.group ? `${resource.group}/${resource.version}` : resource.version)) return undefined;
  if (namespace && e.object.metadata.namespace !== namespace) return undefined;
  const matches = (o: KubeObject | undefined) => o !== undefined && filterMatches(filter, o, resource.fieldsOf);
  const now = matches(e.object);
  if (e.type !== 'MODIFIED') return now ? { type: e.type, object: e.object } : undefined;
  const before = matches(e.old);
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}

export function startWatch(request: WatchRequest, res: ServerResponse): WatchHandle {
  const { store, resource } = request;
  let finish: (s: Status | undefined) => void = () => undefined;
  const ended = new Promise<Status | undefined>((resolve) => { finish = resolve; });
  let lifetimeTimer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let stopWatching: () => void = () => undefined;
  let open = true;

  const end = (status?: Status) => {
    if (!open) return;
    open = false;
    stopWatching();
    clearTimeout(lifetimeTimer);
    clearTimeout(bookmarkTimer);
    if (!res.writableEnded) res.end();
    finish(status);
  };
  const send = (type: EventType, object: unknown) => {
    if (open && !res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  res.on('close', () => end());

  const since = request.resourceVersion;
  const fromNow = since === undefined || since === '' || since === '0';
  const sinceNumber = fromNow ? 0 : Number(since);
  const onEvent = (e: WatchEvent) => {
    // A watch from a resourceVersion ahead of the store skips what happens until it is reached.
    if (!fromNow && Number(e.object.metadata.resourceVersion) <= sinceNumber) return;
    const visible = visibleEvent(request, e);
    if (visible) send(visible.type, visible.object);
  };

  if (fromNow) {
    // Listing and subscribing in one synchronous step: no change can fall between them.
    for (const o of store.list(resource.kind, request.namespace || undefined)) {
      if (filterMatches(request.filter, o, resource.fieldsOf)) send('ADDED', o);
    }
    stopWatching = store.watch(onEvent);
  } else {
    try {
      stopWatching = store.watch(onEvent, since);
    } catch (e) {
      if (!(e instanceof ExpiredError)) throw e;
      const status = errors.expired(`too old resource version: ${e.requested} (${e.oldest - 1})`).status;
      send('ERROR', status);
      end(status);
      return { close: () => end(), ended };
    }
  }

  const lifetime = request.timeoutSeconds ?? request.defaultTimeoutSeconds * (1 + Math.random());
  lifetimeTimer = setTimeout(() => end(), lifetime * 1000);
  if (request.allowBookmarks && request.bookmarkIntervalSeconds > 0) {
    const bookmark = () => {
      const version = resource.group ? `${resource.group}/${resource.version}` : resource.version;
      send('BOOKMARK', { kind: resource.kind, apiVersion: version, metadata: { resourceVersion: store.resourceVersion } });
      bookmarkTimer = setTimeout(bookmark, request.bookmarkIntervalSeconds * 1000);
    };
    bookmarkTimer = setTimeout(bookmark, request.bookmarkIntervalSeconds * 1000);
  }
  return { close: () => end(), ended };
}
