/**
 * isPublicAddress: every spelling of a loopback, private, link-local, unique-local or
 * unspecified address is refused (as WHATWG URL normalizes it, and as DNS returns it), public
 * unicast addresses are allowed. Expectations are the IANA special-purpose registries.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isIpLiteral, isPublicAddress, parseIpv6 } from "../../src/image/address-policy.js";

/** The host part a URL written this way ends up connecting to. */
const host = (spelling: string) => new URL(`http://${spelling}:8080/x.png`).hostname;

describe("isPublicAddress", () => {
  it("refuses every spelling of loopback and unspecified the probe used", () => {
    const spellings = [
      "127.0.0.1",
      "2130706433",
      "0177.0.0.1",
      "0x7f000001",
      "0x7f.0.0.1",
      "127.1",
      "127.0.1",
      "0",
      "0.0.0.0",
      "[::1]",
      "[::]",
      "[0:0:0:0:0:0:0:1]",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "[::127.0.0.1]",
      "[64:ff9b::127.0.0.1]",
      "[2002:7f00:1::]",
    ];
    for (const s of spellings) {
      const h = host(s);
      assert.ok(isIpLiteral(h), `${s} → ${h} is an IP literal`);
      assert.equal(isPublicAddress(h), false, `${s} → ${h}`);
    }
  });

  it("refuses private, CGNAT, link-local, multicast and reserved IPv4 ranges at their edges", () => {
    for (const a of [
      "10.0.0.0",
      "10.255.255.255",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "100.64.0.1",
      "100.127.255.255",
      "169.254.169.254",
      "224.0.0.1",
      "239.255.255.250",
      "240.0.0.1",
      "255.255.255.255",
      "198.18.0.1",
    ]) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of [
      "9.255.255.255",
      "11.0.0.0",
      "172.15.255.255",
      "172.32.0.0",
      "100.63.255.255",
    ]) {
      assert.equal(isPublicAddress(a), true, a);
    }
    assert.equal(isPublicAddress("8.8.8.8"), true);
    assert.equal(isPublicAddress("93.184.215.14"), true);
  });

  it("refuses unique-local, link-local, site-local, multicast IPv6 and mapped private IPv4", () => {
    for (const a of [
      "fc00::1",
      "fd12:3456:789a::1",
      "fe80::1",
      "fe80::1%eth0",
      "febf::1",
      "fec0::1",
      "ff02::1",
      "::ffff:10.0.0.1",
      "::ffff:192.168.0.1",
      "::ffff:169.254.169.254",
      "2001:db8::1",
    ]) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ["2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8"]) {
      assert.equal(isPublicAddress(a), true, a);
    }
  });

  it("parses IPv6 forms to the same 16 bytes, and rejects malformed ones", () => {
    const loop = [...new Uint8Array(15), 1];
    for (const s of ["::1", "0:0:0:0:0:0:0:1", "[::1]", "0::0:1", "::0.0.0.1"]) {
      assert.deepEqual([...parseIpv6(s)!], loop, s);
    }
    for (const s of ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::g", "1:2:3:4:5:6:7", ":"]) {
      assert.equal(parseIpv6(s), undefined, s);
    }
    // Names and junk are not public addresses (names are judged by what they resolve to).
    assert.equal(isPublicAddress("example.com"), false);
    assert.equal(isIpLiteral("example.com"), false);
  });
});
