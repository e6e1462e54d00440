#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A mobile node's side of return routability (RFC 6275 §5.2.5, §5.2.6, §6.2.7),
written from the RFC in plain Python (hmac, hashlib, struct; the Home Address
option and the MH checksum laid out by hand), independent of mip6d. No scapy:
importing it costs seconds under TCG.

usage: rr_mn.py IFACE HOA COA CN CTL

Sends a HoTI from the HoA and a CoTI from the CoA, reads the HoT and CoT off the
wire (an AF_PACKET socket on IFACE), computes Kbm = SHA1(home token | care-of
token) and the BU's authenticator First(96, HMAC_SHA1(Kbm, CoA | CN | BU)), sends
the BU from the CoA with a Home Address option, and expects a BA with status 0,
the same sequence number, a type 2 routing header holding the HoA and a Binding
Authorization Data option that verifies with Kbm. Then: a BU whose authenticator
is wrong gets no answer; a BU with an unknown home nonce index gets 136 without
the option; the CN's `mip6ctl --json bc` (control socket CTL, $MIP6CTL) lists
the binding with the first BU's sequence number; a new HoTI and a deletion
(lifetime 0, Kbm = SHA1(home token), the HoA as the care-of address of the
authenticator) get BA 0 and empty the cache. One "ok - ..." or "not ok - ..."
line per check; exit status 1 if any failed.

The route-optimisation data path (§9.3.1, §9.3.2), while the binding exists: an
ICMPv6 Echo Request from the CoA with a Home Address option (laid out by hand,
the checksum over the HoA as §6.3 says) gets its Echo Reply to the CoA with a
type 2 routing header holding the HoA; the same from a care-of address the CN
has no binding for gets nothing (dropped, §9.3.1); with CN_NS set, a ping the
CN itself sends to the HoA (`ip netns exec CN_NS ping`) leaves to the CoA with
the routing header. After the deletion, the same Echo Request gets a Binding Error
status 1 naming the HoA, to the CoA (§9.3.1, §9.3.3).

Binding Refresh Requests (§9.5.5, §6.1.2), with CN_NS set: a binding of 12 s that the
CN's pings to the HoA keep in use gets exactly one BRR, about 2 s before it expires
(8 octets, MH type 0, Reserved zero, a valid checksum over the HoA as destination, to
the CoA with a type 2 routing header holding the HoA); a binding of 8 s without traffic
gets none and expires.
"""
import hashlib
import hmac
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

ETH_P_IPV6 = 0x86DD
FAILS = 0


def check(cond, what):
    global FAILS
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        FAILS += 1


def a16(addr):
    return socket.inet_pton(socket.AF_INET6, addr)


class Wire:
    """IPv6 packets on IFACE as the link carries them: (src, dst, rh2 or None, MH bytes)."""

    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IPV6))
        self.s.bind((iface, 0))
        self.iface = iface
        self.peer_mac = None  # the CN's, from the first frame it sent

    def frames(self, timeout):
        """IPv6 packets received (not sent) on IFACE within timeout."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return
            frame, addr = self.s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            self.peer_mac = frame[6:12]
            yield frame[14:]

    def icmp(self, want_type, ident, timeout):
        """The next ICMPv6 message of want_type and Identifier ident: (src, dst, rh2 or None)."""
        for p in self.frames(timeout):
            got = parse_icmp(p)
            if got and got[3] == want_type and got[4] == ident:
                return got[:3]
        return None

    def send_frame(self, packet):
        mine = self.s.getsockname()[4]
        self.s.send(self.peer_mac + mine + struct.pack("!H", ETH_P_IPV6) + packet)

    def mh(self, want_type, timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return None
            frame, addr = self.s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            self.peer_mac = frame[6:12]
            got = parse(frame[14:])
            if got and got[3][2] == want_type:
                return got


def parse(p):
    """Walk the IPv6 extension headers to the MH; None for anything else."""
    if len(p) < 40 or p[0] >> 4 != 6:
        return None
    src, dst, nh, off, rh2 = p[8:24], p[24:40], p[6], 40, None
    while nh in (0, 43, 60) and off + 8 <= len(p):
        hlen = (p[off + 1] + 1) * 8
        if nh == 43 and p[off + 2] == 2 and hlen == 24:
            rh2 = p[off + 8:off + 24]
        nh, off = p[off], off + hlen
    if nh != 135 or off + 6 > len(p):
        return None
    return src, dst, rh2, p[off:off + (p[off + 1] + 1) * 8]


def parse_icmp(p):
    """(src, dst, rh2 or None, ICMPv6 type, Identifier) of an ICMPv6 Echo packet, else None."""
    if len(p) < 40 or p[0] >> 4 != 6:
        return None
    src, dst, nh, off, rh2 = p[8:24], p[24:40], p[6], 40, None
    while nh in (0, 43, 60) and off + 8 <= len(p):
        hlen = (p[off + 1] + 1) * 8
        if nh == 43 and p[off + 2] == 2 and hlen == 24:
            rh2 = p[off + 8:off + 24]
        nh, off = p[off], off + hlen
    if nh != 58 or off + 8 > len(p) or p[off] not in (128, 129):
        return None
    return src, dst, rh2, p[off], struct.unpack("!H", p[off + 4:off + 6])[0]


def echo_with_hao(src, hoa, cn, ident):
    """IPv6 from src to cn, Destination Options with a HAO for hoa (§6.3), an Echo Request
    whose checksum covers the pseudo-header with the HoA as source (§6.3: "the home address")."""
    icmp = bytearray(struct.pack("!BBHHH", 128, 0, 0, ident, 1) + b"route-optimisation")
    icmp[2:4] = struct.pack("!H", inet_checksum(a16(hoa) + a16(cn) + struct.pack("!IxxxB", len(icmp), 58) + icmp))
    dopt = bytes([58, 2, 1, 2, 0, 0, 201, 16]) + a16(hoa)
    return struct.pack("!IHBB", 6 << 28, len(dopt) + len(icmp), 60, 64) + a16(src) + a16(cn) + dopt + bytes(icmp)


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def data_path(mn):
    """§9.3.1-9.3.2 through the CN's kernel while the binding HoA -> CoA exists."""
    t0 = time.monotonic()
    mn.wire.send_frame(echo_with_hao(mn.coa, mn.hoa, mn.cn, 0x5201))
    got = mn.wire.icmp(129, 0x5201, 3)
    check(got is not None and got[1] == a16(mn.coa) and got[2] == a16(mn.hoa),
          "Echo Request from the CoA with a HAO: the Echo Reply goes to the CoA with a type 2 routing "
          f"header holding the HoA (the CN saw the HoA as the source) ({time.monotonic() - t0:.2f} s)")
    other = mn.coa.rsplit(":", 1)[0] + ":bad"
    mn.wire.send_frame(echo_with_hao(other, mn.hoa, mn.cn, 0x5202))
    check(mn.wire.icmp(129, 0x5202, 1) is None,
          f"Echo Request with a HAO from {other} (no binding with that care-of address): no reply (§9.3.1)")
    ns = os.environ.get("CN_NS")
    if not ns:
        return
    ping = subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-6", "-c", "1", "-W", "1", "-p", "c0ffee",
                             mn.hoa], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = None
    for p in mn.wire.frames(3):
        g = parse_icmp(p)
        if g and g[3] == 128 and g[0] == a16(mn.cn):
            got = g
            break
    ping.wait()
    check(got is not None and got[1] == a16(mn.coa) and got[2] == a16(mn.hoa),
          "a ping from the CN to the HoA leaves to the CoA with a type 2 routing header holding the HoA")


def refresh_requests(mn):
    """§9.5.5: one BRR before a binding in use expires, none for an idle one."""
    ns = os.environ.get("CN_NS")
    if not ns:
        return
    hni, htok = mn.test(1, mn.hoa)
    cni, ctok = mn.test(2, mn.coa)
    kbm = hashlib.sha1(htok + ctok).digest()
    mn.send(mn.coa, bu_bytes(3000, 0x8000, 3, hni, cni, kbm, mn.coa, mn.cn), hao=mn.hoa)
    t0 = time.monotonic()
    expect_ba(mn, 3000, 0, kbm, mn.coa, "BU of 12 s (3 units)")
    ping = subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-6", "-i", "0.2", "-w", "11", mn.hoa],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    brrs = []
    for p in mn.wire.frames(13):
        g = parse(p)
        if g and g[3][2] == 0:
            brrs.append((time.monotonic() - t0, g))
    ping.kill()
    ping.wait()
    at = ", ".join(f"{t:.2f} s" for t, _ in brrs)
    # The CN decides 2 s (a tenth of 12 s, at least 2 s) before expiry, from the counts of the
    # 2 s before that: 10 s after the BU, within its timers' 100 ms accuracy.
    check(len(brrs) == 1 and 9.5 <= brrs[0][0] < 12,
          f"binding in use (the CN pings the HoA): exactly one BRR, 10 s into its 12 s (at {at or 'none'})")
    if brrs:
        s, d, rh2, m = brrs[0][1]
        pseudo = a16(mn.cn) + a16(mn.hoa) + struct.pack("!IxxxB", len(m), 135)
        check(len(m) == 8 and m[0] == 59 and m[1] == 0 and m[2] == 0 and m[3] == 0 and m[6:8] == b"\0\0" and
              inet_checksum(pseudo + bytes(m)) == 0,
              "BRR: 8 octets, Payload Proto 59, Header Len 0, MH Type 0, Reserved 0, checksum valid (§6.1.1-2)")
        check(s == a16(mn.cn) and d == a16(mn.coa) and rh2 == a16(mn.hoa),
              "BRR from the CN to the CoA with a type 2 routing header holding the HoA (§9.5.5)")
    check(cn_bc_count(mn) == 0, "the binding left unrefreshed expired")
    hni, htok = mn.test(1, mn.hoa)
    cni, ctok = mn.test(2, mn.coa)
    kbm = hashlib.sha1(htok + ctok).digest()
    mn.send(mn.coa, bu_bytes(3001, 0x8000, 2, hni, cni, kbm, mn.coa, mn.cn), hao=mn.hoa)
    expect_ba(mn, 3001, 0, kbm, mn.coa, "BU of 8 s (2 units), no traffic")
    idle = [p for p in mn.wire.frames(9) if (parse(p) or (0, 0, 0, b"\xff\xff\xff"))[3][2] == 0]
    check(not idle, f"idle binding: no BRR ({len(idle)})")
    check(cn_bc_count(mn) == 0, "the idle binding expired")


def cn_bc_count(mn):
    return cn_bc(mn.ctl).get("count")


def binding_error(mn):
    """§9.3.1, §9.3.3: a HAO without a binding: Binding Error status 1 to the CoA, no routing header."""
    mn.wire.send_frame(echo_with_hao(mn.coa, mn.hoa, mn.cn, 0x5203))
    got = mn.wire.mh(7, 3)
    check(got is not None, "Echo Request with a HAO after the deletion: Binding Error received")
    if not got:
        return
    s, d, rh2, m = got
    check(d == a16(mn.coa) and s == a16(mn.cn) and rh2 is None,
          "Binding Error to the care-of address (the wire's source) without a routing header (§9.3.3)")
    check(len(m) == 24 and m[6] == 1 and m[8:24] == a16(mn.hoa),
          "Binding Error: 24 octets, status 1, the Home Address field holds the HoA (§6.1.9)")


class MN:
    def __init__(self, iface, hoa, coa, cn):
        self.hoa, self.coa, self.cn = hoa, coa, cn
        self.wire = Wire(iface)
        self.sock = {}
        for a in (hoa, coa):
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, -1)
            s.bind((a, 0))
            self.sock[a] = s

    def send(self, src, mh, hao=None):
        """MH bytes from src; with hao, a Home Address option (RFC 6275 §6.3) and its checksum rule."""
        mh = bytearray(mh)
        mh[4:6] = struct.pack("!H", checksum(hao or src, self.cn, mh))
        anc = []
        if hao:
            # Destination Options: PadN (4 octets) puts the HAO at 8n+6 (§6.3); 24 octets.
            dopt = bytes([135, 2, 1, 2, 0, 0, 201, 16]) + a16(hao)
            anc = [(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, dopt)]
        self.sock[src].sendmsg([bytes(mh)], anc, 0, (self.cn, 0))

    def test(self, init_type, src):
        """HoTI (1) or CoTI (2) from src; returns (nonce index, keygen token) of the HoT/CoT."""
        cookie = os.urandom(8)
        self.send(src, bytes([59, 1, init_type, 0, 0, 0, 0, 0]) + cookie)
        got = self.wire.mh(init_type + 2, 5)
        name = "HoT" if init_type == 1 else "CoT"
        check(got is not None, f"{name} received")
        if not got:
            sys.exit(1)
        s, d, rh2, m = got
        check(d == a16(src) and s == a16(self.cn) and rh2 is None and len(m) == 24,
              f"{name} to {src} from the CN, 24 octets, no routing header")
        check(m[8:16] == cookie, f"{name} echoes the init cookie (§6.1.5)")
        return struct.unpack("!H", m[6:8])[0], bytes(m[16:24])


def checksum(src, dst, mh):
    """§6.1.1: the Internet checksum over the pseudo-header (src: the HoA when a HAO is sent) and the MH."""
    data = a16(src) + a16(dst) + struct.pack("!IxxxB", len(mh), 135) + bytes(mh[:4]) + b"\0\0" + bytes(mh[6:])
    return inet_checksum(data) or 0xFFFF


def bu_bytes(seq, flags, units, hni, cni, kbm, auth_coa, cn):
    """BU (§6.1.7), Nonce Indices at 12 (2n), Binding Authorization Data at 18 (8n+2): 32 octets."""
    m = bytearray(struct.pack("!BBBBHHHH", 59, 3, 5, 0, 0, seq, flags, units))
    m += struct.pack("!BBHH", 4, 4, hni, cni) + bytes([5, 12])
    m += authenticator(kbm, auth_coa, cn, m)
    return m


def authenticator(kbm, coa, cn, mh_data):
    """§6.2.7: First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data)), checksum 0."""
    d = bytearray(mh_data)
    d[4:6] = b"\0\0"
    return hmac.new(kbm, a16(coa) + a16(cn) + bytes(d), hashlib.sha1).digest()[:12]


def expect_ba(mn, seq, status, kbm, auth_coa, what):
    got = mn.wire.mh(6, 5)
    check(got is not None, f"{what}: BA received")
    if not got:
        return
    s, d, rh2, m = got
    check(m[6] == status and struct.unpack("!H", m[8:10])[0] == seq,
          f"{what}: BA status {m[6]} (want {status}), seq {struct.unpack('!H', m[8:10])[0]} (want {seq})")
    check(d == a16(mn.coa) and rh2 == a16(mn.hoa), f"{what}: BA to the CoA, type 2 routing header with the HoA")
    if kbm is None:
        check(len(m) == 16 and 5 not in (m[12], m[14]), f"{what}: no Binding Authorization Data (§9.5.4)")
        return
    ok = len(m) >= 26 and m[-14] == 5 and m[-13] == 12 and \
        hmac.compare_digest(bytes(m[-12:]), authenticator(kbm, auth_coa, mn.cn, m[:-12]))
    check(ok, f"{what}: the BA's authenticator verifies with Kbm (§6.1.8, §6.2.7)")


def cn_bc(ctl):
    out = subprocess.run([os.environ["MIP6CTL"], "-s", ctl, "--json", "bc"], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def main():
    iface, hoa, coa, cn, ctl = sys.argv[1:6]
    mn = MN(iface, hoa, coa, cn)
    mn.ctl = ctl
    t0 = time.monotonic()
    hni, htok = mn.test(1, hoa)
    cni, ctok = mn.test(2, coa)
    kbm = hashlib.sha1(htok + ctok).digest()
    mn.send(coa, bu_bytes(1000, 0x8000, 25, hni, cni, kbm, coa, cn), hao=hoa)
    expect_ba(mn, 1000, 0, kbm, coa, "BU with the right authenticator")
    print(f"# return routability and BU: {time.monotonic() - t0:.2f} s (nonce indices {hni}, {cni})", flush=True)
    data_path(mn)
    # A wrong authenticator: silently discarded (§9.5.1). A late BA would also show in the next check.
    bad = bu_bytes(1001, 0x8000, 25, hni, cni, kbm, coa, cn)
    bad[-1] ^= 1
    mn.send(coa, bad, hao=hoa)
    check(mn.wire.mh(6, 1) is None, "BU with a wrong authenticator: no BA (silently discarded)")
    # A home nonce index the CN never handed out: 136 (§9.5.1), no BAD (§9.5.4).
    mn.send(coa, bu_bytes(1002, 0x8000, 25, (hni + 1000) & 0xffff, cni, kbm, coa, cn), hao=hoa)
    expect_ba(mn, 1002, 136, None, None, "BU with an unknown home nonce index")
    bc = cn_bc(ctl).get("bindings", [])
    check(len(bc) == 1 and bc[0].get("hoa") == hoa and bc[0].get("coa") == coa and bc[0].get("seq") == 1000 and
          bc[0].get("correspondent") == cn and bc[0].get("lifetime_s") == 100,
          f"mip6ctl bc on the CN: {hoa} -> {coa}, seq 1000, 100 s (1001 was not taken): {bc}")
    # §11.6.1: a deletion needs the home keygen token only; Kbm = SHA1(home token), the HoA
    # as the authenticator's care-of address (§5.2.6, §6.2.7).
    hni, htok = mn.test(1, hoa)
    kdel = hashlib.sha1(htok).digest()
    mn.send(coa, bu_bytes(2000, 0x8000, 0, hni, 0, kdel, hoa, cn), hao=hoa)
    expect_ba(mn, 2000, 0, kdel, hoa, "deregistration (lifetime 0)")
    check(cn_bc(ctl).get("count") == 0, "mip6ctl bc on the CN: empty after the deletion")
    binding_error(mn)
    refresh_requests(mn)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
