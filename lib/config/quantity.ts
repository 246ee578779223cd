// Kubernetes quantities as numbers, for sizing math. The schema has already checked the syntax.

/** CPU quantity ("500m", "2", "1.5") in millicores. */
export function cpuToMillis(quantity: string): number {
  if (quantity.endsWith('m')) return Number(quantity.slice(0, -1));
  return Math.round(Number(quantity) * 1000);
}

const BINARY_UNITS: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Memory quantity with a binary unit ("512Mi", "4Gi") in bytes. */
export function memoryToBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(quantity);
  if (!match) throw new Error(`not a binary memory quantity: ${quantity}`);
  return Number(match[1]) * BINARY_UNITS[match[2]];
}

export const MIB = 2 ** 20;

/** Bytes as a binary quantity, rounded up to a whole MiB or GiB ("1536Mi", "6Gi"). */
export function toBinaryQuantity(bytes: number): string {
  const gib = 2 ** 30;
  if (bytes >= gib && bytes % gib === 0) return `${bytes / gib}Gi`;
  if (bytes >= 4 * gib) return `${Math.ceil(bytes / gib)}Gi`;
  return `${Math.ceil(bytes / MIB)}Mi`;
}
