// IPv4 arithmetic for the harness's fixed ranges (the cluster is IPv4 only, as ADDRESSES says).

export function ipToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`"${ip}" is not an IPv4 address`);
  return parts.reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

export function isIpv4(text: string): boolean {
  try {
    ipToNumber(text);
    return true;
  } catch {
    return false;
  }
}

/** First address and size of a CIDR ("10.96.0.0/16" -> base 10.96.0.0, 65536 addresses). */
export function cidrRange(cidr: string): { base: number; size: number; bits: number } {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
  const size = 2 ** (32 - bits);
  const base = ipToNumber(net) - (ipToNumber(net) % size);
  return { base, size, bits };
}

export function inCidr(ip: string, cidr: string): boolean {
  const { base, size } = cidrRange(cidr);
  const n = ipToNumber(ip);
  return n >= base && n < base + size;
}
