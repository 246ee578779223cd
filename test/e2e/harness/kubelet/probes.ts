import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { ExecResult } from './container';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The outcome of one probe run. */
export interface ProbeResult {
  readonly success: boolean;
  /** Why it failed (or what it saw), one line. */
  readonly message: string;
}

/** A probe kind the harness cannot run: fails the run. */
export class UnsupportedProbeError extends Error {}

/** A probe's timing, with the API's defaults. */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export function probeTiming(probe: any): ProbeTiming {
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** A container port by name or number (named ports are looked up in the container's ports). */
export function resolvePort(port: unknown, containerPorts: ReadonlyArray<{ name?: string; containerPort: number }>, where: string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(String(port))) return Number(port);
  const found = containerPorts.find((p) => p.name === port);
  if (!found) throw new UnsupportedProbeError(`${where}: port "${String(port)}" is not a named port of the container (${containerPorts.map((p) => p.name).filter(Boolean).join(', ') || 'no named ports'})`);
  return found.containerPort;
}

export interface ProbeContext {
  readonly podIp: string;
  readonly containerPorts: ReadonlyArray<{ name?: string; containerPort: number }>;
  /** Runs a command in the container (exec probes). */
  readonly exec: (argv: readonly string[], timeoutMs: number) => Promise<ExecResult>;
  readonly where: string;
}

/** Checks what kind of probe this is before the container starts, so a bad probe fails early. */
export function validateProbe(probe: any, ctx: Pick<ProbeContext, 'containerPorts' | 'where'>): void {
  if (probe.exec) {
    if (!Array.isArray(probe.exec.command) || probe.exec.command.length === 0) throw new UnsupportedProbeError(`${ctx.where}: exec probe without a command`);
  } else if (probe.httpGet) {
    resolvePort(probe.httpGet.port, ctx.containerPorts, ctx.where);
  } else if (probe.tcpSocket) {
    resolvePort(probe.tcpSocket.port, ctx.containerPorts, ctx.where);
  } else {
    throw new UnsupportedProbeError(`${ctx.where}: probe kind ${Object.keys(probe).filter((k) => !k.endsWith('Seconds') && !k.endsWith('Threshold')).join(', ') || '(none)'} is not supported by the harness`);
  }
}

/** Runs a probe once, as the kubelet does: exec in the container, HTTP GET or TCP connect from the node. */
export async function runProbe(probe: any, ctx: ProbeContext): Promise<ProbeResult> {
  const timeoutMs = probeTiming(probe).timeoutSeconds * 1000;
  if (probe.exec) {
    const r = await ctx.exec(probe.exec.command, timeoutMs);
    if (r.timedOut) return { success: false, message: `exec ${JSON.stringify(probe.exec.command)} timed out after ${timeoutMs / 1000} s` };
    if (r.exitCode === 0) return { success: true, message: lastLine(r.output) };
    return { success: false, message: `exec ${JSON.stringify(probe.exec.command)} exited ${r.exitCode}${r.output.trim() ? `: ${lastLine(r.output)}` : ''}` };
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, ctx.containerPorts, ctx.where);
    return httpProbe((g.scheme ?? 'HTTP').toUpperCase(), g.host ?? ctx.podIp, port, g.path ?? '/', g.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, ctx.containerPorts, ctx.where);
    return tcpProbe(probe.tcpSocket.host ?? ctx.podIp, port, timeoutMs);
  }
  throw new UnsupportedProbeError(`${ctx.where}: unsupported probe`);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.slice(0, 300) ?? '';
}

function httpProbe(scheme: string, host: string, port: number, path: string, headers: Array<{ name: string; value: string }>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const lib = scheme === 'HTTPS' ? https : http;
    const req = lib.request({
      host, port, path, method: 'GET', timeout: timeoutMs,
      headers: { 'User-Agent': 'kube-probe/1.28', Accept: '*/*', ...Object.fromEntries(headers.map((h) => [h.name, h.value])) },
      // The kubelet does not verify probe certificates.
      rejectUnauthorized: false,
    } as any, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400
        ? { success: true, message: `HTTP ${code}` }
        : { success: false, message: `HTTP probe ${scheme} ${host}:${port}${path} answered ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ success: false, message: `HTTP probe ${scheme} ${host}:${port}${path} timed out after ${timeoutMs / 1000} s` });
    });
    req.on('error', (e) => resolve({ success: false, message: `HTTP probe ${scheme} ${host}:${port}${path} failed: ${e.message}` }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ success: false, message: `TCP probe ${host}:${port} timed out after ${timeoutMs / 1000} s` });
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ success: true, message: `connected to ${host}:${port}` });
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve({ success: false, message: `TCP probe ${host}:${port} failed: ${e.message}` });
    });
  });
}
