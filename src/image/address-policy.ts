/**
 * Which IP addresses a server may fetch URL images from on a caller's behalf: public unicast
 * only. Loopback, private, carrier-grade NAT, link-local, unique-local, site-local, multicast,
 * reserved and unspecified addresses are refused, and so are IPv6 forms that embed an IPv4
 * address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) whose IPv4 address is refused. Pure: no IO, no DNS.
 *
 * Hostnames are not judged here: WHATWG `URL` already turns every IPv4 spelling
 * (`2130706433`, `0177.0.0.1`, `0x7f000001`, `127.1`, `0`) into a dotted quad, and names are
 * judged by the addresses they resolve to (see fetch-url.ts).
 */

/** IPv4 ranges refused: [first octets as a 32-bit number, prefix length]. */
const V4_BLOCKED: readonly [number, number][] = [
  [v4(0, 0, 0, 0), 8], // "this network", 0.0.0.0
  [v4(10, 0, 0, 0), 8], // private
  [v4(100, 64, 0, 0), 10], // carrier-grade NAT
  [v4(127, 0, 0, 0), 8], // loopback
  [v4(169, 254, 0, 0), 16], // link-local (cloud metadata lives here)
  [v4(172, 16, 0, 0), 12], // private
  [v4(192, 0, 0, 0), 24], // IETF protocol assignments
  [v4(192, 0, 2, 0), 24], // documentation
  [v4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [v4(192, 168, 0, 0), 16], // private
  [v4(198, 18, 0, 0), 15], // benchmarking
  [v4(198, 51, 100, 0), 24], // documentation
  [v4(203, 0, 113, 0), 24], // documentation
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4], // reserved, broadcast
];

function v4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** A strict dotted quad (four decimal octets) as a 32-bit number, else undefined. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const o = Number(p);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

/** An IPv6 address (brackets, zone and embedded IPv4 tail allowed) as 16 bytes, else undefined. */
export function parseIpv6(input: string): Uint8Array | undefined {
  let s = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":") || s.length > 64) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  const last = s.slice(lastColon + 1);
  if (last.includes(".")) {
    const q = parseIpv4(last);
    if (q === undefined) return undefined;
    tail = [q >>> 16, q & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const words: number[] = [];
  for (const g of [...head, ...new Array<string>(8 - given).fill("0"), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    words.push(Number.parseInt(g, 16));
  }
  words.push(...tail);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

function v4Public(n: number): boolean {
  for (const [base, bits] of V4_BLOCKED) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return false;
  }
  return true;
}

function v4At(b: Uint8Array, at: number): number {
  return v4(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function zeros(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function v6Public(b: Uint8Array): boolean {
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped).
  if (zeros(b, 0, 10) && ((b[10] === 0 && b[11] === 0) || (b[10] === 0xff && b[11] === 0xff))) {
    // `::` and `::1` embed 0.0.0.0 and 0.0.0.1, refused with 0.0.0.0/8.
    return v4Public(v4At(b, 12));
  }
  // 64:ff9b::/96 NAT64 and 64:ff9b:1::/48 local-use NAT64.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    return zeros(b, 4, 12) ? v4Public(v4At(b, 12)) : false;
  }
  // 2002::/16 6to4: the IPv4 address is bytes 2..5.
  if (b[0] === 0x20 && b[1] === 0x02) return v4Public(v4At(b, 2));
  if (b[0] === 0x01 && b[1] === 0x00 && zeros(b, 2, 8)) return false; // 100::/64 discard
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return false; // docs
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) return false; // Teredo
  if ((b[0] & 0xfe) === 0xfc) return false; // fc00::/7 unique-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return false; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return false; // fec0::/10 site-local
  if (b[0] === 0xff) return false; // multicast
  return true;
}

/**
 * True when `address` (an IPv4 dotted quad or an IPv6 address, brackets allowed) is a public
 * unicast address a server may fetch from. Anything that does not parse is not public.
 */
export function isPublicAddress(address: string): boolean {
  const q = parseIpv4(address);
  if (q !== undefined) return v4Public(q);
  const b = parseIpv6(address);
  return b !== undefined && v6Public(b);
}

/** True when a URL's hostname (as WHATWG `URL` gives it) is an IP literal rather than a name. */
export function isIpLiteral(hostname: string): boolean {
  return parseIpv4(hostname) !== undefined || parseIpv6(hostname) !== undefined;
}
