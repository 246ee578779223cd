import type { ExternalView } from './cluster-state';
import type { ServiceView } from './service-endpoints';

// The names cluster DNS answers, as CoreDNS's kubernetes plugin serves them:
// <service>.<namespace>.svc.<domain> -> the ClusterIP, or for a headless Service the addresses of
// its endpoints (ready pods, or all with publishNotReadyAddresses); <hostname>.<service>.<namespace>.svc.<domain>
// for each endpoint pod whose spec.hostname/spec.subdomain put it under that headless Service
// (StatefulSet pods); plus the names of the outside world's stand-ins.

/** Lower-case name (no trailing dot) -> IPv4 addresses. */
export type DnsRecords = Record<string, string[]>;

export function dnsRecords(services: readonly ServiceView[], externals: readonly ExternalView[], domain: string): DnsRecords {
  const records: DnsRecords = {};
  const add = (name: string, ip: string) => {
    const key = name.toLowerCase();
    const list = (records[key] ??= []);
    if (!list.includes(ip)) list.push(ip);
  };
  for (const s of services) {
    const name = `${s.name}.${s.namespace}.svc.${domain}`;
    if (s.clusterIp) {
      add(name, s.clusterIp);
      continue;
    }
    // A headless Service with no endpoints still exists: its name answers with no address.
    records[name.toLowerCase()] ??= [];
    for (const a of s.addresses) {
      add(name, a.ip);
      if (a.hostname) add(`${a.hostname}.${name}`, a.ip);
    }
  }
  for (const e of externals) for (const h of e.hostnames) add(h.replace(/\.$/, ''), e.ip);
  for (const list of Object.values(records)) list.sort();
  return records;
}
