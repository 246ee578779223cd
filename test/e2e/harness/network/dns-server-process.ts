import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { answerQuery } from './dns-responder';
import type { DnsRecords } from './dns-records';

// The cluster DNS server: run by ClusterNetwork inside the DNS pod's network namespace
// (`nsenter --net=... node --import tsx dns-server-process.ts <domain>`), serving UDP and TCP on
// port 53. Records come from the parent over the IPC channel ({ seq, records }); each update is
// acknowledged ({ applied: seq }) so the parent's settled() covers DNS too. It exits when the
// parent goes away.

const domain = process.argv[2] ?? 'cluster.local';
let records: DnsRecords = {};

const udp = dgram.createSocket('udp4');
udp.on('message', (msg, rinfo) => {
  const reply = answerQuery(msg, records, domain);
  if (reply) udp.send(reply, rinfo.port, rinfo.address);
});

const tcp = net.createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    // DNS over TCP: each message is preceded by its 2-byte length.
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const length = buffered.readUInt16BE(0);
      const reply = answerQuery(buffered.subarray(2, 2 + length), records, domain);
      buffered = buffered.subarray(2 + length);
      if (!reply) {
        socket.destroy();
        return;
      }
      const framed = Buffer.alloc(2 + reply.length);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      socket.write(framed);
    }
  });
  socket.on('error', () => socket.destroy());
  socket.setTimeout(10000, () => socket.destroy());
});

process.on('message', (message: { seq: number; records: DnsRecords }) => {
  records = message.records;
  process.send?.({ applied: message.seq });
});
process.on('disconnect', () => process.exit(0));

let listening = 0;
const ready = () => {
  if (++listening === 2) process.send?.({ listening: true });
};
udp.bind(53, '0.0.0.0', ready);
tcp.listen(53, '0.0.0.0', ready);
udp.on('error', (e) => { process.send?.({ error: `DNS server UDP: ${e.message}` }); process.exit(1); });
tcp.on('error', (e) => { process.send?.({ error: `DNS server TCP: ${e.message}` }); process.exit(1); });
