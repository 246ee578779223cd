import { createHash } from 'node:crypto';
import type { KubeObject } from '../store';
import { cidrRange, inCidr, isIpv4, numberToIp } from './ipv4';

/**
 * ClusterIPs for Services, as the API server assigns them: `spec.clusterIP` when the object names
 * one (kube-dns, kubernetes), none for headless Services, otherwise an address derived from the
 * Service's namespace and name (stable across runs, so logs of two runs compare), moved on to the
 * next free one when two names collide.
 */
export class ServiceIpAllocator {
  private readonly byService = new Map<string, string>();
  private readonly owner = new Map<string, string>();
  private readonly base: number;
  private readonly size: number;

  constructor(private readonly serviceCidr: string, reserved: readonly string[] = []) {
    ({ base: this.base, size: this.size } = cidrRange(serviceCidr));
    for (const ip of reserved) this.owner.set(ip, '(reserved)');
  }

  /** The Service's ClusterIP, or undefined when it is headless (`clusterIP: None`). */
  ipFor(service: KubeObject): string | undefined {
    const key = `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
    const requested: unknown = service.spec?.clusterIP;
    if (requested === 'None') return undefined;
    if (typeof requested === 'string' && requested !== '') {
      if (!isIpv4(requested) || !inCidr(requested, this.serviceCidr)) {
        throw new Error(`Service ${key}: spec.clusterIP ${requested} is not in the service range ${this.serviceCidr}; leave it unset or pick an address in the range`);
      }
      const holder = this.owner.get(requested);
      if (holder && holder !== key && holder !== '(reserved)') throw new Error(`Service ${key}: spec.clusterIP ${requested} is already Service ${holder}'s; pick another address`);
      this.owner.set(requested, key);
      this.byService.set(key, requested);
      return requested;
    }
    const known = this.byService.get(key);
    if (known) return known;
    const hash = createHash('sha256').update(key).digest().readUInt32BE(0);
    // Skip the range's first 256 addresses: well-known Services (kubernetes, kube-dns) live there.
    const span = this.size - 256 - 1;
    for (let i = 0; i < span; i++) {
      const ip = numberToIp(this.base + 256 + ((hash + i) % span));
      if ((ip.endsWith('.0') || ip.endsWith('.255')) || this.owner.has(ip)) continue;
      this.owner.set(ip, key);
      this.byService.set(key, ip);
      return ip;
    }
    throw new Error(`Service ${key}: the service range ${this.serviceCidr} is full`);
  }
}
