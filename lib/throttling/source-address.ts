import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit one client is assumed to control, from API Gateway's `sourceIp` (the TCP peer: it cannot be
 * forged by a header). An IPv4 address as it is; an IPv6 address by its /64, because one customer's network
 * is (at least) a /64 and any host in it can pick any of its 2^64 addresses; IPv4-mapped IPv6 as the IPv4.
 */
export function sourceOf(address: string | undefined): string {
  const raw = (address ?? '').trim();
  if (isIPv4(raw)) return raw;
  if (isIPv6(raw)) {
    const groups = ipv6Groups(raw);
    const mapped = groups.slice(0, 6).every((group, index) => group === (index === 5 ? 0xffff : 0));
    if (mapped) return [groups[6] ?? 0, groups[7] ?? 0].flatMap((group) => [group >> 8, group & 0xff]).join('.');
    return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
  }
  // API Gateway always sets sourceIp; anything else shares one (strictly limited) bucket.
  return raw === '' ? 'unknown' : `other:${raw}`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone, `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]?.toLowerCase() ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
