// A minimal HTTPS client of the harness API server for its tests: requests with a bearer token,
// verified against the server's CA, and watch streams read event by event.

import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Target {
  readonly url: string;
  readonly ca: string;
  /** Host name to verify the certificate against (default: the URL's host). */
  readonly servername?: string;
}

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: IncomingMessage['headers'];
}

export function call(target: Target, token: string | undefined, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${target.url}${path}`, {
      method,
      ca: target.ca,
      servername: target.servername,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
      },
      timeout: 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchStream {
  readonly status: number;
  /** Every event received so far, in order. */
  readonly events: any[];
  /** Resolves once `count` events have arrived (or rejects after timeoutMs). */
  next(count: number, timeoutMs?: number): Promise<any[]>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function watch(target: Target, token: string, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    const waiters: Array<() => void> = [];
    let buffer = '';
    let endedResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => { endedResolve = r; });
    const req = httpsRequest(`${target.url}${path}`, { method: 'GET', ca: target.ca, servername: target.servername, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) events.push(JSON.parse(line));
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => { endedResolve(); for (const w of waiters.splice(0)) w(); });
      res.on('close', () => endedResolve());
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        close: () => req.destroy(),
        next(count: number, timeoutMs = 5000): Promise<any[]> {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`watch ${path}: ${events.length} of ${count} events after ${timeoutMs} ms: ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
            const check = () => {
              if (events.length >= count) {
                clearTimeout(timer);
                ok(events.slice(0, count));
              } else {
                waiters.push(check);
              }
            };
            check();
          });
        },
      });
    });
    req.on('error', (e) => {
      endedResolve();
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
    });
    req.end();
  });
}
