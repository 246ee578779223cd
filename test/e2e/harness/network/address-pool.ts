import { cidrRange, ipToNumber, numberToIp } from './ipv4';

/**
 * Hands out addresses of a range in order and never gives one out twice in a run: a pod that
 * comes back (a StatefulSet pod recreated under the same name) gets a new IP, as on a cluster, so
 * a peer still holding the old address (Redis Cluster's nodes.conf, a DNS cache) finds nothing
 * there instead of the wrong pod. Addresses ending in .0 and .255 are skipped for readability.
 */
export class AddressPool {
  private next: number;
  private readonly end: number;

  /** `first`: the first address to hand out (inside `cidr`); `reserved` are never handed out. */
  constructor(private readonly cidr: string, first: string, private readonly reserved: ReadonlySet<string> = new Set()) {
    const { base, size } = cidrRange(cidr);
    this.next = ipToNumber(first);
    this.end = base + size - 1; // the broadcast address is never a host
    if (this.next < base || this.next >= this.end) throw new Error(`first address ${first} is outside ${cidr}`);
  }

  allocate(): string {
    for (; this.next < this.end; this.next++) {
      const ip = numberToIp(this.next);
      const last = this.next & 255;
      if (last === 0 || last === 255 || this.reserved.has(ip)) continue;
      this.next++;
      return ip;
    }
    throw new Error(`address range ${this.cidr} is exhausted (addresses are not reused within a run): start fewer pods or a new run`);
  }
}
