import * as dnsPacket from 'dns-packet';
import type { DnsRecords } from './dns-records';

// Answers one DNS query from the record table (no recursion, no upstream: a name the cluster does
// not know is NXDOMAIN). Known names answer A with their addresses and every other type with an
// empty NOERROR answer (NODATA), both negative answers carrying the zone's SOA as CoreDNS does.

/** Seconds, as CoreDNS's kubernetes plugin's default `ttl`. */
export const DNS_TTL = 5;

const NOERROR = 0;
const NXDOMAIN = 3;
const NOTIMP = 4;
const FORMERR = 1;

function soaFor(name: string, domain: string): dnsPacket.Answer {
  const zone = name === domain || name.endsWith(`.${domain}`) ? domain : name.split('.').slice(-2).join('.');
  return {
    type: 'SOA', name: zone, ttl: DNS_TTL, class: 'IN',
    data: { mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: DNS_TTL },
  };
}

/** True when `name` exists as a node of the tree (a record or the parent of one): NODATA, not NXDOMAIN. */
function nameExists(records: DnsRecords, name: string): boolean {
  if (records[name]) return true;
  const suffix = `.${name}`;
  return Object.keys(records).some((k) => k.endsWith(suffix));
}

export function answerQuery(query: Buffer, records: DnsRecords, domain: string): Buffer | undefined {
  let decoded: dnsPacket.Packet;
  try {
    decoded = dnsPacket.decode(query);
  } catch {
    return undefined; // not DNS: drop, as a server does with garbage
  }
  const base = { id: decoded.id, type: 'response' as const, questions: decoded.questions };
  const flags = (rcode: number) => dnsPacket.AUTHORITATIVE_ANSWER | (decoded.flags ?? 0) & dnsPacket.RECURSION_DESIRED | rcode;
  if (decoded.type !== 'query' || !decoded.questions || decoded.questions.length !== 1) {
    return dnsPacket.encode({ ...base, flags: flags(FORMERR) });
  }
  const q = decoded.questions[0];
  if ((decoded.flags ?? 0) & 0x7800) return dnsPacket.encode({ ...base, flags: flags(NOTIMP) }); // opcode other than QUERY
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const addresses = records[name];
  if (!addresses && !nameExists(records, name)) {
    return dnsPacket.encode({ ...base, flags: flags(NXDOMAIN), authorities: [soaFor(name, domain)] });
  }
  if ((q.type === 'A' || (q.type as string) === 'ANY') && addresses && addresses.length > 0) {
    return dnsPacket.encode({ ...base, flags: flags(NOERROR), answers: addresses.map((ip) => ({ type: 'A' as const, name: q.name, ttl: DNS_TTL, class: 'IN' as const, data: ip })) });
  }
  return dnsPacket.encode({ ...base, flags: flags(NOERROR), authorities: [soaFor(name, domain)] });
}
