import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { inNetns, runCommand } from './run-command';

// Small network tools run inside a network namespace with the host's node (no root filesystem,
// no bubblewrap): TCP/UDP listeners that say who answered, a client that tries many connections
// at once and reports how each ended, and a DNS query. For network tests and for diagnosing a
// scenario ("can pod A reach B:port right now?").

const REPO = path.resolve(__dirname, '../../../..');

export interface Listener {
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

const LISTENER = `
const net = require('node:net'), dgram = require('node:dgram');
const [name, tcpPorts, udpPorts] = process.argv.slice(1);
let pending = 0;
const ready = () => { if (--pending === 0) process.stdout.write('listening\\n'); };
for (const p of tcpPorts.split(',').filter(Boolean).map(Number)) {
  pending++;
  net.createServer((s) => { s.on('error', () => {}); s.end(name + ':' + p + '\\n'); }).listen(p, '0.0.0.0', ready);
}
for (const p of udpPorts.split(',').filter(Boolean).map(Number)) {
  pending++;
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(name + ':' + p + '\\n', r.port, r.address));
  u.bind(p, '0.0.0.0', ready);
}
if (pending === 0) process.stdout.write('listening\\n');
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

/** Listens on every port (TCP, and UDP for `udpPorts`) and answers each connection with "<name>:<port>". */
export async function listenIn(netns: string, name: string, tcpPorts: readonly number[], udpPorts: readonly number[] = []): Promise<Listener> {
  const argv = [...inNetns(netns), process.execPath, '-e', LISTENER, name, tcpPorts.join(','), udpPorts.join(',')];
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`listener in ${netns} exited ${code}: ${err.trim()}`)));
  });
  return {
    ports: tcpPorts,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ConnectTarget {
  readonly ip: string;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

export interface ConnectResult extends ConnectTarget {
  /** open: a listener answered; refused: nothing listens (or a Service without endpoints); timeout: dropped. */
  readonly outcome: 'open' | 'refused' | 'timeout' | 'error';
  /** The answer ("<listener name>:<port>") when open. */
  readonly reply?: string;
  readonly detail?: string;
}

const CLIENT = `
const net = require('node:net'), dgram = require('node:dgram');
const targets = JSON.parse(process.argv[1]); const timeout = Number(process.argv[2]);
Promise.all(targets.map((t) => new Promise((resolve) => {
  let settled = false;
  const done = (outcome, extra) => { if (!settled) { settled = true; resolve({ ...t, outcome, ...extra }); } };
  if (t.protocol === 'UDP') {
    const u = dgram.createSocket('udp4');
    const timer = setTimeout(() => { u.close(); done('timeout'); }, timeout);
    u.on('message', (m) => { clearTimeout(timer); u.close(); done('open', { reply: String(m).trim() }); });
    u.on('error', (e) => { clearTimeout(timer); u.close(); done(e.code === 'ECONNREFUSED' ? 'refused' : 'error', { detail: e.code }); });
    u.connect(t.port, t.ip, () => u.send('probe'));
    return;
  }
  const s = net.connect({ host: t.ip, port: t.port });
  let reply = '', connected = false;
  const timer = setTimeout(() => { s.destroy(); done(connected ? 'open' : 'timeout'); }, timeout);
  // A server that says nothing first (DNS over TCP) still counts as open once connected.
  s.on('connect', () => { connected = true; setTimeout(() => { clearTimeout(timer); s.destroy(); done('open', reply ? { reply: reply.trim() } : {}); }, 300); });
  s.on('data', (d) => (reply += d));
  s.on('end', () => { clearTimeout(timer); s.destroy(); done('open', { reply: reply.trim() }); });
  s.on('error', (e) => { clearTimeout(timer); done(e.code === 'ECONNREFUSED' ? 'refused' : 'error', { detail: e.code }); });
}))).then((r) => process.stdout.write(JSON.stringify(r)));
`;

/** Tries every target at once from inside `netns`; a target that does not answer within `timeoutMs` timed out. */
export async function connectFrom(netns: string, targets: readonly ConnectTarget[], timeoutMs = 1500): Promise<ConnectResult[]> {
  const argv = [...inNetns(netns), process.execPath, '-e', CLIENT, JSON.stringify(targets), String(timeoutMs)];
  return JSON.parse(await runCommand(argv[0], argv.slice(1))) as ConnectResult[];
}

export interface DnsAnswer {
  readonly rcode: string;
  readonly answers: ReadonlyArray<{ type: string; name: string; data: unknown }>;
  readonly authorities: ReadonlyArray<{ type: string; name: string }>;
}

const DNS_CLIENT = `
const dnsPacket = require(require.resolve('dns-packet', { paths: [process.argv[5]] }));
const dgram = require('node:dgram'), net = require('node:net');
const [name, type, server, transport] = process.argv.slice(1);
const query = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
const finish = (buf) => { const r = dnsPacket.decode(buf); process.stdout.write(JSON.stringify({ rcode: r.rcode, answers: r.answers, authorities: r.authorities })); process.exit(0); };
setTimeout(() => { process.stdout.write(JSON.stringify({ rcode: 'TIMEOUT', answers: [], authorities: [] })); process.exit(0); }, 2000);
if (transport === 'tcp') {
  const s = net.connect(53, server, () => s.write(dnsPacket.streamEncode(dnsPacket.decode(query))));
  let buf = Buffer.alloc(0);
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(buf.subarray(2)); });
  s.on('error', (e) => { process.stdout.write(JSON.stringify({ rcode: 'ERROR ' + e.code, answers: [], authorities: [] })); process.exit(0); });
} else {
  const u = dgram.createSocket('udp4');
  u.on('message', finish);
  u.send(query, 53, server);
}
`;

/** One DNS query from inside `netns` (rcode "TIMEOUT" when no answer came within 2 s). */
export async function queryDnsFrom(netns: string, name: string, type: 'A' | 'AAAA' | 'SRV' | 'TXT', server: string, transport: 'udp' | 'tcp' = 'udp'): Promise<DnsAnswer> {
  const argv = [...inNetns(netns), process.execPath, '-e', DNS_CLIENT, name, type, server, transport, REPO];
  return JSON.parse(await runCommand(argv[0], argv.slice(1))) as DnsAnswer;
}
