#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile input at the home agent: crafted packets, each with the exact reply it must get.

usage: hostile.py [--list] [CASE ...]     (no CASE: every case of CASES, in order)

Runs in a namespace on the HA's home link (tests/vm/scenarios/hostile.sh sets it up) and sends
Ethernet frames straight to the HA, so any source address can be forged. Packets are laid out
byte by byte from the RFCs (RFC 8200 IPv6 header and Destination Options, RFC 6275 §6.1 Mobility
Header, §6.2 options, §6.3 Home Address option, RFC 4861 ND): nothing of mip6d's encoder is used.
scapy only puts the frames on the wire; replies are read from an AF_PACKET socket and parsed here.

Environment (all required): IFACE, SRC (our routable address: the CoA; the HA routes it to us),
HA_ADDR, HA_MAC, NS_HA (the HA's namespace, for `ip -n`), MIP6CTL, HA_CTL (its control socket),
MN_HOA and MN_COA (a legitimate MN's HoA and care-of address, registered before the cases run).

Every case prints one TAP line ("ok - NAME: ..." / "not ok - NAME: ..."); the exit status is the
number of failed cases (capped at 100). A case is a function `case_NAME(t)` registered in CASES
with @case; it sends through t.send_bu()/t.send_raw() and asserts through t.expect_ba(),
t.expect_be(), t.expect_icmp() or t.expect_silence(), then t.assert_no_state(HOA) for a refused
BU. To add a case, write one more function below (or in a scenario, `hostile.py NAME` runs one).

Silence is proven without a fixed wait: after the case's packet a sentinel BU (a HoA outside the
home prefix: BA 132) is sent, and the HA answers in order, so when the sentinel's BA arrives,
any answer to the case would have arrived before it.
"""
import ipaddress
import os
import select
import socket
import struct
import subprocess
import sys
import time

IPPROTO_MH = 135
ETH_P_IPV6 = 0x86DD

# RFC 6275 §6.1.7 BU flags (RFC 3963 adds R).
F_A, F_H, F_L, F_K, F_R = 0x8000, 0x4000, 0x2000, 0x1000, 0x0400
HOME = F_A | F_H

ENV = os.environ
IFACE, SRC, HA_ADDR, HA_MAC = ENV["IFACE"], ENV["SRC"], ENV["HA_ADDR"], ENV["HA_MAC"]
NS_HA, MIP6CTL, HA_CTL, MN_HOA = ENV["NS_HA"], ENV["MIP6CTL"], ENV["HA_CTL"], ENV["MN_HOA"]
MN_COA = ENV["MN_COA"]
REPLY_TIMEOUT = float(ENV.get("REPLY_TIMEOUT", "5"))


def a16(addr):
    return socket.inet_pton(socket.AF_INET6, addr)


def canon(addr):
    return str(ipaddress.IPv6Address(addr))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def upper_csum(src, dst, nh, payload):
    """RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, next header."""
    return csum(a16(src) + a16(dst) + struct.pack("!IxxxB", len(payload), nh) + payload)


def pad_options(opts, start):
    """Pad an option area that starts at offset `start` so that the whole header is 8n long."""
    rem = (-(start + len(opts))) % 8
    if rem == 1:
        return opts + b"\x00"  # Pad1
    if rem:
        return opts + bytes([1, rem - 2]) + b"\x00" * (rem - 2)  # PadN
    return opts


def mh(mh_type, body, proto=59, hdrlen=None):
    """RFC 6275 §6.1.1: Payload Proto, Header Len (8-octet units minus the first 8), MH Type,
    Reserved, Checksum (0, filled later), message data. body must already be 8n - 6 long
    (pad_options does that)."""
    raw = bytes([proto, 0, mh_type, 0, 0, 0]) + body
    if len(raw) % 8:
        raw += b"\x00" * (8 - len(raw) % 8)
    hl = len(raw) // 8 - 1 if hdrlen is None else hdrlen
    return bytearray(bytes([proto, hl]) + raw[2:])


def bu_body(seq, flags, units, opts=b""):
    """RFC 6275 §6.1.7: Sequence #, A|H|L|K|M|R flags and Reserved, Lifetime (4-s units), options."""
    fixed = struct.pack("!HHH", seq & 0xFFFF, flags, units)
    return fixed + pad_options(opts, 6 + len(fixed)) if opts else fixed + b"\x00" * 4


def opt_alt_coa(coa):
    """§6.2.5 Alternate Care-of Address, alignment 8n+6: after the 12-byte BU start a PadN of 2."""
    return bytes([1, 0, 3, 16]) + a16(coa)


def opt_nonce_indices(home_idx=1, coa_idx=2):
    """§6.2.6 Nonce Indices, alignment 2n."""
    return bytes([4, 4]) + struct.pack("!HH", home_idx, coa_idx)


def dstopts_hao(nh, hoa):
    """RFC 8200 §4.6 Destination Options with the §6.3 Home Address option (alignment 8n+6):
    Next Header, Hdr Ext Len 2, PadN(2 bytes of data), HAO type 201 length 16."""
    return bytes([nh, 2, 1, 2, 0, 0, 201, 16]) + a16(hoa)


def ipv6(src, dst, nh, payload, hlim=64):
    """RFC 8200 §3: version 6, traffic class 0, flow label 0."""
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + a16(src) + a16(dst) + payload


class Reply:
    def __init__(self, kind, src, dst, **kw):
        self.kind, self.src, self.dst = kind, src, dst
        self.__dict__.update(kw)

    def __repr__(self):
        return "%s(%s)" % (self.kind, ", ".join("%s=%s" % kv for kv in sorted(self.__dict__.items())
                                                if kv[0] not in ("kind",)))


def parse_frame(frame):
    """Ethernet + IPv6 + extension headers -> Reply (MH or ICMPv6), or None."""
    if len(frame) < 54 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IPV6:
        return None
    ip = frame[14:]
    src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
    dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
    hlim, eth_src = ip[7], frame[6:12]
    nh, off, rh2 = ip[6], 40, None
    while nh in (0, 43, 60) and off + 8 <= len(ip):
        if nh == 43 and ip[off + 2] == 2 and off + 24 <= len(ip):
            rh2 = socket.inet_ntop(socket.AF_INET6, ip[off + 8:off + 24])
        nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    p = ip[off:]
    if nh == IPPROTO_MH and len(p) >= 12:
        t = p[2]
        if t == 6 and len(p) >= 12:  # §6.1.8 BA: Status, K|R|P, Sequence #, Lifetime
            return Reply("ba", src, dst, status=p[6], flags=p[7], seq=struct.unpack("!H", p[8:10])[0],
                         lifetime=struct.unpack("!H", p[10:12])[0], rh2=rh2)
        if t == 7 and len(p) >= 24:  # §6.1.9 BE: Status, Reserved, Home Address
            return Reply("be", src, dst, status=p[6], hoa=socket.inet_ntop(socket.AF_INET6, p[8:24]), rh2=rh2)
        return Reply("mh", src, dst, mhtype=t, rh2=rh2)
    if nh == 58 and len(p) >= 4:
        r = Reply("icmp", src, dst, type=p[0], code=p[1], body=bytes(p[4:]), hlim=hlim, eth_src=eth_src)
        if p[0] in (135, 136) and len(p) >= 24:
            r.flags, r.target = p[4], socket.inet_ntop(socket.AF_INET6, p[8:24])
        return r
    if nh == 59:  # No Next Header: the inner packets of the reverse-tunnel cases
        return Reply("data", src, dst, body=bytes(p), hlim=hlim, eth_src=eth_src)
    return None


class Tester:
    def __init__(self):
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IPV6))
        self.rx.bind((IFACE, 0))
        self.rx.setblocking(False)
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((IFACE, 0))
        self.mac = self.tx.getsockname()[4]
        self.ha_mac = bytes.fromhex(HA_MAC.replace(":", ""))
        self.sentinel = 0
        self.seen = []  # replies from the HA since the last drain
        self.mark = 0   # seen[:mark] were claimed by an expect_*()
        self.fails = 0
        self.name = None
        self.notes = []
        self.notes_info = None

    # -- wire ------------------------------------------------------------------------------
    def send_frame(self, pkt, dst_mac=None):
        self.tx.send((dst_mac or self.ha_mac) + self.mac + struct.pack("!H", ETH_P_IPV6) + pkt)

    def send_raw(self, pkt, dst_mac=None):
        self.send_frame(pkt, dst_mac)

    def send_mh(self, msg, hoa=None, src=None, dst=None, good_csum=True):
        """An MH from src (default SRC) to dst (default the HA), with a HAO for hoa if given.
        The checksum's pseudo-header carries the HoA (§6.1.1)."""
        src, dst = src or SRC, dst or HA_ADDR
        msg = bytearray(msg)
        c = upper_csum(hoa or src, dst, IPPROTO_MH, bytes(msg))
        msg[4:6] = struct.pack("!H", c if good_csum else c ^ 0x5A5A)
        payload = dstopts_hao(IPPROTO_MH, hoa) + bytes(msg) if hoa else bytes(msg)
        self.send_frame(ipv6(src, dst, 60 if hoa else IPPROTO_MH, payload))

    def send_bu(self, hoa, seq, flags=HOME, units=30, opts=b"", **kw):
        self.send_mh(mh(5, bu_body(seq, flags, units, opts)), hoa=hoa, **kw)

    def poll(self, until, timeout=REPLY_TIMEOUT):
        """Read frames until until(reply) is true for one from the HA; returns it or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.rx], [], [], left)
            if not r:
                continue
            while True:
                try:
                    frame, addr = self.rx.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                rep = parse_frame(frame)
                if rep is None:
                    continue
                self.seen.append(rep)
                if until(rep):
                    self.mark = len(self.seen)
                    return rep

    def drain(self):
        self.poll(lambda r: False, timeout=0.05)
        self.seen, self.mark = [], 0

    # -- assertions --------------------------------------------------------------------------
    def fail(self, msg):
        self.notes.append(msg)

    def _sentinel(self):
        """BA 132 for a HoA outside the home prefix; returns the replies seen before it."""
        self.sentinel += 1
        seq = 60000 + self.sentinel
        hoa = "2001:db8:9::%x" % self.sentinel
        start = self.mark
        self.send_bu(hoa, seq)
        got = self.poll(lambda r: r.kind == "ba" and r.seq == seq)
        if got is None:
            self.fail("the sentinel BU (seq %d) got no BA: is the HA alive?" % seq)
            return None
        if got.status != 132:
            self.fail("the sentinel BU got status %d, not 132" % got.status)
        return self.seen[start:self.seen.index(got)]

    def expect_ba(self, seq, status, hoa=None):
        got = self.poll(lambda r: r.kind == "ba" and r.seq == seq)
        if got is None:
            self.fail("no BA with seq %d within %.0f s (seen: %s)" % (seq, REPLY_TIMEOUT, self.seen[-5:]))
            return None
        if got.status != status:
            self.fail("BA status %d, want %d" % (got.status, status))
        if got.dst != canon(SRC):
            self.fail("BA to %s, want the BU's source %s" % (got.dst, SRC))
        if hoa and got.rh2 != canon(hoa):
            self.fail("BA's type 2 routing header carries %s, want %s" % (got.rh2, hoa))
        if status >= 128 and got.lifetime != 0:
            self.fail("refusal with lifetime %d" % got.lifetime)
        return got

    def expect_be(self, status, hoa):
        got = self.poll(lambda r: r.kind == "be")
        if got is None:
            self.fail("no Binding Error within %.0f s" % REPLY_TIMEOUT)
            return None
        if got.status != status or got.hoa != canon(hoa):
            self.fail("BE status %d for %s, want %d for %s" % (got.status, got.hoa, status, hoa))
        return got

    def expect_icmp(self, typ, code, pointer=None):
        got = self.poll(lambda r: r.kind == "icmp" and r.type < 128)
        if got is None:
            self.fail("no ICMPv6 error within %.0f s" % REPLY_TIMEOUT)
            return None
        if (got.type, got.code) != (typ, code):
            self.fail("ICMPv6 type %d code %d, want %d/%d" % (got.type, got.code, typ, code))
        if pointer is not None and struct.unpack("!I", got.body[:4])[0] != pointer:
            self.fail("ICMPv6 pointer %d, want %d" % (struct.unpack("!I", got.body[:4])[0], pointer))
        return got

    def expect_silence(self, seq=None, hoa=None):
        """No BA (with seq), no BE (for hoa), no ICMPv6 error from the HA before the sentinel's BA
        (replies an earlier expect_*() of the case matched do not count)."""
        before = self._sentinel()
        if before is None:
            return
        for r in before:
            if (r.kind == "ba" and (seq is None or r.seq == seq)) or \
               (r.kind == "be" and (hoa is None or r.hoa == canon(hoa))) or \
               (r.kind == "icmp" and r.type < 128):
                self.fail("expected silence, got %r" % r)

    def ha(self, *args):
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout

    def bc_json(self):
        return self.ha(MIP6CTL, "-s", HA_CTL, "--json", "bc")

    def assert_no_state(self, hoa):
        """RFC 6275 §10.3.1: a refused BU leaves no binding, no tunnel route, no proxy entry."""
        h = canon(hoa)
        if ('"hoa":"%s"' % h) in self.bc_json():
            self.fail("a binding cache entry exists for %s" % h)
        routes = self.ha("ip", "-n", NS_HA, "-6", "route", "show", "table", "all")
        if any(line.split()[:1] in ([h], [h + "/128"]) for line in routes.splitlines()):
            self.fail("a route exists for %s" % h)
        if self.ha("ip", "-n", NS_HA, "-6", "neigh", "show", "proxy").strip():
            self.fail("a proxy neighbour entry exists (the HA answers NSs itself)")

    def run(self, name, fn, doc):
        self.name, self.notes, self.notes_info = name, [], None
        self.drain()
        try:
            fn(self)
        except Exception as e:  # noqa: BLE001 (a broken case is a failed case, not a crash)
            self.fail("exception %r" % e)
        if self.notes:
            self.fails += 1
            print("not ok - %s: %s -- %s" % (name, doc, "; ".join(self.notes)), flush=True)
        else:
            print("ok - %s: %s%s" % (name, doc, " (%s)" % self.notes_info if self.notes_info else ""), flush=True)


CASES = []
_seq = [1000]


def case(fn):
    CASES.append(fn)
    return fn


def nseq():
    _seq[0] += 1
    return _seq[0]


def hoa_n(n):
    return "2001:db8:1::7:%x" % n


def refused_bu(t, hoa, status, flags=HOME, units=30, opts=b"", **kw):
    s = nseq()
    t.send_bu(hoa, s, flags, units, opts, **kw)
    t.expect_ba(s, status, hoa)
    t.assert_no_state(hoa)


def silent_bu(t, hoa, flags=HOME, units=30, opts=b"", check_state=True, **kw):
    s = nseq()
    t.send_bu(hoa, s, flags, units, opts, **kw)
    t.expect_silence(seq=s, hoa=hoa)
    if check_state:
        t.assert_no_state(hoa)


def mn_binding_seq(t):
    import json
    for e in json.loads(t.bc_json()).get("bindings", []):
        if e.get("hoa") == canon(MN_HOA):
            return e.get("seq"), e.get("coa")
    return None, None


# ---- home address (RFC 6275 §9.5.1 first test, §6.3, RFC 2526, §10.3.1) ----------------------
@case
def case_hoa_unspecified(t):
    """HAO :: -> silence (§9.5.1: not unicast routable)"""
    silent_bu(t, "::", check_state=False)


@case
def case_hoa_loopback(t):
    """HAO ::1 -> silence (§9.5.1)"""
    silent_bu(t, "::1", check_state=False)


@case
def case_hoa_link_local(t):
    """HAO fe80::1234 -> silence (§9.5.1)"""
    silent_bu(t, "fe80::1234")


@case
def case_hoa_multicast_link(t):
    """HAO ff02::1 -> silence (§9.5.1)"""
    silent_bu(t, "ff02::1")


@case
def case_hoa_multicast_global(t):
    """HAO ff0e::1 -> silence (§9.5.1)"""
    silent_bu(t, "ff0e::1")


@case
def case_hoa_v4mapped(t):
    """HAO ::ffff:192.0.2.1 -> silence (§9.5.1)"""
    silent_bu(t, "::ffff:192.0.2.1")


@case
def case_hoa_subnet_router_anycast(t):
    """HoA = the home prefix's Subnet-Router anycast address -> silence (RFC 4291 §2.6.1)"""
    silent_bu(t, "2001:db8:1::")


@case
def case_hoa_rfc2526_lowest(t):
    """HoA = ...:fdff:ffff:ffff:ff80, lowest RFC 2526 anycast id -> silence"""
    silent_bu(t, "2001:db8:1::fdff:ffff:ffff:ff80")


@case
def case_hoa_rfc2526_ha_anycast(t):
    """HoA = the home prefix's MIPv6 Home-Agents anycast address (id 0x7e) -> silence"""
    silent_bu(t, "2001:db8:1::fdff:ffff:ffff:fffe")


@case
def case_hoa_rfc2526_highest(t):
    """HoA = ...:fdff:ffff:ffff:ffff -> silence (RFC 2526)"""
    silent_bu(t, "2001:db8:1::fdff:ffff:ffff:ffff")


@case
def case_hoa_is_the_ha(t):
    """HoA = the HA's own address -> 134 (§10.3.1: in use on the home link)"""
    s = nseq()
    t.send_bu(HA_ADDR, s)
    t.expect_ba(s, 134, HA_ADDR)
    if '"hoa":"%s"' % canon(HA_ADDR) in t.bc_json():
        t.fail("a binding for the HA's own address")


@case
def case_hoa_outside_home_prefix(t):
    """HoA in no served prefix -> 132 (§10.3.1)"""
    refused_bu(t, "2001:db8:9::11", 132)


@case
def case_hoa_in_cn_prefix(t):
    """HoA in a prefix the HA does not serve -> 132"""
    refused_bu(t, "2001:db8:4::77", 132)


@case
def case_hoa_acl_denied(t):
    """HoA denied by BindingAclPolicy -> 129"""
    refused_bu(t, "2001:db8:1::66", 129)


@case
def case_hoa_link_local_dereg(t):
    """HAO fe80::1234 with lifetime 0 -> silence (§9.5.1 applies to deletions too)"""
    silent_bu(t, "fe80::1234", units=0)


# ---- care-of address (§6.1.7, §10.3.1), in an Alternate Care-of Address option ----------------
def coa_case(t, coa, status):
    hoa = hoa_n(nseq())
    if status is None:
        silent_bu(t, hoa, opts=opt_alt_coa(coa))
    else:
        refused_bu(t, hoa, status, opts=opt_alt_coa(coa))


@case
def case_coa_unspecified(t):
    """Alternate CoA :: -> silence (§6.1.7)"""
    coa_case(t, "::", None)


@case
def case_coa_loopback(t):
    """Alternate CoA ::1 -> silence (§6.1.7)"""
    coa_case(t, "::1", None)


@case
def case_coa_link_local(t):
    """Alternate CoA fe80::1 -> silence (§6.1.7)"""
    coa_case(t, "fe80::1", None)


@case
def case_coa_multicast_link(t):
    """Alternate CoA ff02::1 -> silence (§6.1.7)"""
    coa_case(t, "ff02::1", None)


@case
def case_coa_multicast_site(t):
    """Alternate CoA ff05::2 -> silence (§6.1.7)"""
    coa_case(t, "ff05::2", None)


@case
def case_coa_v4mapped(t):
    """Alternate CoA ::ffff:192.0.2.7 -> silence (§6.1.7)"""
    coa_case(t, "::ffff:192.0.2.7", None)


@case
def case_coa_is_the_ha(t):
    """Alternate CoA = the HA's address -> 129 (§10.3.1: a tunnel to itself)"""
    coa_case(t, HA_ADDR, 129)


@case
def case_coa_in_home_prefix(t):
    """Alternate CoA inside the served home prefix -> 129 (a tunnel into the home link)"""
    coa_case(t, "2001:db8:1::55", 129)


@case
def case_coa_home_subnet_anycast(t):
    """Alternate CoA = the home Subnet-Router anycast address -> 129 (inside the home prefix)"""
    coa_case(t, "2001:db8:1::", 129)


@case
def case_coa_other_bindings_hoa(t):
    """Alternate CoA = the legitimate MN's HoA (a live binding) -> 129"""
    coa_case(t, MN_HOA, 129)


# ---- flags and registration type (§9.5.1, §10.3.2, RFC 3963) -----------------------------------
@case
def case_h0_bu(t):
    """BU without H -> silence (§9.5.1: no Nonce Indices/BAD; no correspondent role)"""
    silent_bu(t, hoa_n(nseq()), flags=F_A)


@case
def case_h0_bu_nonce_indices(t):
    """BU without H, with Nonce Indices -> silence (no correspondent role to verify it)"""
    silent_bu(t, hoa_n(nseq()), flags=F_A, opts=opt_nonce_indices())


@case
def case_h0_bu_for_live_binding(t):
    """BU without H for the legitimate MN's HoA -> silence, the binding untouched"""
    seq, coa = mn_binding_seq(t)
    if seq is None:
        t.fail("the legitimate MN has no binding")
        return
    t.send_bu(MN_HOA, (seq + 1) % 65536, F_A)
    t.expect_silence(seq=(seq + 1) % 65536)
    if mn_binding_seq(t) != (seq, coa):
        t.fail("the MN's binding changed: %r -> %r" % ((seq, coa), mn_binding_seq(t)))


@case
def case_r1_mobile_router(t):
    """R=1 (NEMO) at an HA without mobile-router support -> 140 (RFC 3963 §6.6)"""
    refused_bu(t, hoa_n(nseq()), 140, flags=HOME | F_R)


def snmp6(t, name):
    """A counter of the HA's /proc/net/snmp6 (its network namespace), or None."""
    out = subprocess.run(["ip", "netns", "exec", NS_HA, "cat", "/proc/net/snmp6"],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == name:
            return int(f[1])
    return None


def echo_request(src_for_csum, ident, seq):
    """RFC 4443 §4.1 Echo Request; the checksum's pseudo-header names src_for_csum (§6.3: the HoA)."""
    msg = bytearray(bytes([128, 0, 0, 0]) + struct.pack("!HH", ident, seq) + b"mip6d hostile echo")
    msg[2:4] = struct.pack("!H", upper_csum(src_for_csum, HA_ADDR, 58, bytes(msg)))
    return bytes(msg)


@case
def case_echo_with_hao_outside_home_prefix(t):
    """Echo Request with a HAO naming 2001:db8:9::77 (no binding, outside the home prefixes) -> no Echo Reply (§9.3.1: no reflection through a HAO); the same without a HAO is answered"""
    ident = 0x6d36
    t.send_frame(ipv6(SRC, HA_ADDR, 58, echo_request(SRC, ident, 1)))
    if t.poll(lambda r: r.kind == "icmp" and r.type == 129 and r.body[:2] == struct.pack("!H", ident)) is None:
        t.fail("the control Echo Request without a HAO got no Echo Reply")
        return
    before = snmp6(t, "Icmp6OutEchoReplies")
    hoa = "2001:db8:9::77"
    t.send_frame(ipv6(SRC, HA_ADDR, 60, dstopts_hao(58, hoa) + echo_request(hoa, ident, 2)))
    t.expect_silence()
    for r in t.seen:
        if r.kind == "icmp" and r.type == 129 and r.body[:4] == struct.pack("!HH", ident, 2):
            t.fail("Echo Reply to %s for the Request with a HAO" % r.dst)
    after = snmp6(t, "Icmp6OutEchoReplies")
    if before is None or after != before:
        t.fail("the HA sent Echo Replies meanwhile (Icmp6OutEchoReplies %s -> %s)" % (before, after))


@case
def case_dereg_without_binding(t):
    """Lifetime 0 for a HoA with no binding -> 133 (§10.3.2)"""
    refused_bu(t, hoa_n(nseq()), 133, units=0)


@case
def case_stale_seq_same(t):
    """The legitimate MN's HoA with its current sequence number -> 135 with that number"""
    seq, coa = mn_binding_seq(t)
    if seq is None:
        t.fail("the legitimate MN has no binding")
        return
    t.send_bu(MN_HOA, seq)
    t.expect_ba(seq, 135, MN_HOA)
    if mn_binding_seq(t) != (seq, coa):
        t.fail("the MN's binding changed")


@case
def case_stale_seq_older(t):
    """The legitimate MN's HoA with a sequence number 100 behind -> 135 carrying the current one"""
    seq, coa = mn_binding_seq(t)
    if seq is None:
        t.fail("the legitimate MN has no binding")
        return
    t.send_bu(MN_HOA, (seq - 100) % 65536)
    t.expect_ba(seq, 135, MN_HOA)
    if mn_binding_seq(t) != (seq, coa):
        t.fail("the MN's binding changed")


# ---- Mobility Header format (§6.1, §9.2) and other message types -------------------------------
@case
def case_bad_checksum(t):
    """A BU with a wrong MH checksum -> silence (§9.2)"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_mh(mh(5, bu_body(s, HOME, 30)), hoa=hoa, good_csum=False)
    t.expect_silence(seq=s, hoa=hoa)
    t.assert_no_state(hoa)


@case
def case_truncated_option(t):
    """A PadN running past the end of the BU -> silence (§6.2 option parsing, dropped, counted)"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_mh(mh(5, struct.pack("!HHH", s, HOME, 30) + bytes([1, 30]) + b"\x00" * 10), hoa=hoa)
    t.expect_silence(seq=s, hoa=hoa)
    t.assert_no_state(hoa)


@case
def case_unknown_mh_type(t):
    """MH type 42 -> Binding Error status 2 (§9.2) for the HoA"""
    hoa = hoa_n(nseq())
    t.send_mh(mh(42, b"\x00" * 10), hoa=hoa)
    t.expect_be(2, hoa)


@case
def case_ba_to_the_ha(t):
    """A BA sent to the HA (type 6) -> silence"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_mh(mh(6, struct.pack("!BBHH", 0, 0, s, 30) + b"\x00" * 4), hoa=hoa)
    t.expect_silence(seq=s, hoa=hoa)


@case
def case_brr_to_the_ha(t):
    """A Binding Refresh Request (type 0) to the HA -> silence"""
    hoa = hoa_n(nseq())
    t.send_mh(mh(0, b"\x00" * 2), hoa=hoa)
    t.expect_silence(hoa=hoa)


@case
def case_be_to_the_ha(t):
    """A Binding Error (type 7) to the HA -> silence (never answered, §9.3.3)"""
    hoa = hoa_n(nseq())
    t.send_mh(mh(7, bytes([1, 0]) + a16(hoa)), hoa=hoa)
    t.expect_silence(hoa=hoa)


@case
def case_hot_to_the_ha(t):
    """A Home Test (type 3) to the HA -> silence"""
    hoa = hoa_n(nseq())
    t.send_mh(mh(3, b"\x00" * 18), hoa=hoa)
    t.expect_silence(hoa=hoa)


@case
def case_unknown_dstopt_icmp(t):
    """A BU behind an unknown destination option of type 10xxxxxx -> ICMPv6 Parameter Problem
    code 2 pointing at it (RFC 8200 §4.2), and no binding"""
    hoa, s = hoa_n(nseq()), nseq()
    msg = mh(5, bu_body(s, HOME, 30))
    msg[4:6] = struct.pack("!H", upper_csum(SRC, HA_ADDR, IPPROTO_MH, bytes(msg)))
    # Next Header MH, Hdr Ext Len 0, option type 0x9e length 4 (8 bytes in all).
    opts = bytes([IPPROTO_MH, 0, 0x9E, 4, 0, 0, 0, 0])
    t.send_raw(ipv6(SRC, HA_ADDR, 60, opts + bytes(msg)))
    t.expect_icmp(4, 2, pointer=42)
    t.expect_silence(seq=s)


@case
def case_accepted_then_deregistered(t):
    """Control: a well-formed BU for a fresh HoA is accepted (0) with binding and route, and no
    kernel proxy entry (the HA answers NSs itself); its deregistration (0) removes them"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    t.expect_ba(s, 0, hoa)
    if '"hoa":"%s"' % canon(hoa) not in t.bc_json():
        t.fail("no binding after BA 0")
    if t.ha("ip", "-n", NS_HA, "-6", "neigh", "show", "proxy").strip():
        t.fail("a kernel proxy entry after BA 0")
    t.send_bu(hoa, s + 1, units=0)
    t.expect_ba(s + 1, 0, hoa)
    nseq()
    deadline = time.monotonic() + 5
    while canon(hoa) in t.ha("ip", "-n", NS_HA, "-6", "route", "show") and time.monotonic() < deadline:
        time.sleep(0.1)
    if canon(hoa) in t.ha("ip", "-n", NS_HA, "-6", "route", "show"):
        t.fail("route left after the deregistration")


# ---- Neighbour Discovery on the home link (RFC 6275 §10.3.1, §10.4.1; RFC 4861, RFC 4862) -------
def solicited_node(addr):
    """RFC 4291 §2.7.1: ff02::1:ff00:0/104 and the low 24 bits; its RFC 2464 §7 MAC."""
    low = a16(addr)[13:]
    return socket.inet_ntop(socket.AF_INET6, a16("ff02::1:ff00:0")[:13] + low), b"\x33\x33\xff" + low


def icmp6(src, dst, body):
    msg = bytearray(body)
    msg[2:4] = struct.pack("!H", upper_csum(src, dst, 58, bytes(msg)))
    return ipv6(src, dst, 58, bytes(msg), hlim=255)


def send_dad_probe(t, target):
    """RFC 4862 §5.4.2: NS from ::, to the target's solicited-node group, no SLLA option."""
    group, mac = solicited_node(target)
    t.send_frame(icmp6("::", group, bytes([135, 0, 0, 0, 0, 0, 0, 0]) + a16(target)), mac)


def send_ns(t, src, target, hlim=255):
    """RFC 4861 §4.3, §7.2.2: address resolution, from src to the target's solicited-node group,
    with our link-layer address in a Source Link-Layer Address option (§4.6.1)."""
    group, mac = solicited_node(target)
    body = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + a16(target) + bytes([1, 1]) + t.mac
    msg = bytearray(body)
    msg[2:4] = struct.pack("!H", upper_csum(src, group, 58, bytes(msg)))
    t.send_frame(ipv6(src, group, 58, bytes(msg), hlim=hlim), mac)


def ns_barrier(t):
    """An NS for the legitimate MN's HoA from our routable address: the HA's NA to it. The HA reads
    NSs in order from one socket, so what it would have answered before this NS is seen before
    this NA. Returns the replies seen before it, or None."""
    start = t.mark
    send_ns(t, SRC, MN_HOA)
    got = t.poll(lambda r: r.kind == "icmp" and r.type == 136 and r.target == canon(MN_HOA) and r.dst == canon(SRC))
    if got is None:
        t.fail("no NA from the HA for the legitimate MN's HoA %s (the barrier)" % MN_HOA)
        return None
    return t.seen[start:t.mark - 1]


def check_proxy_na(t, na, dst, flags, target):
    """RFC 6275 §10.4.1, RFC 4861 §4.4/§7.2.4: from the HA's MAC, hop limit 255, to dst, the flags,
    the target, and a Target Link-Layer Address option (type 2, length 1) with the HA's MAC."""
    if na is None:
        return
    tlla = na.body[20:28] if len(na.body) >= 28 else b""
    if na.eth_src != t.ha_mac or na.hlim != 255 or na.dst != canon(dst) or na.flags != flags or \
       na.target != canon(target) or tlla != bytes([2, 1]) + t.ha_mac:
        t.fail("NA for %s: %r; want from the HA's MAC to %s, hop limit 255, flags 0x%02x, TLLA the HA's MAC"
               % (target, na, dst, flags))


def send_unsolicited_na(t, target):
    """RFC 4861 §7.2.6: NA to all-nodes, Override, our link-layer address as Target LLA."""
    body = bytes([136, 0, 0, 0, 0x20, 0, 0, 0]) + a16(target) + bytes([2, 1]) + t.mac
    t.send_frame(icmp6(ENV["ATK_LL"], "ff02::1", body), b"\x33\x33\x00\x00\x00\x01")


def link_local(hoa):
    return socket.inet_ntop(socket.AF_INET6, a16("fe80::")[:8] + a16(hoa)[8:])


def ha_probe(t, target):
    """The HA's DAD probe for target: checked against RFC 4862 §5.4.2 / RFC 6275 §10.4.1."""
    target = canon(target)
    got = t.poll(lambda r: r.kind == "icmp" and r.type == 135 and r.target == target)
    if got is None:
        t.fail("no DAD probe (NS) from the HA for %s" % target)
        return None
    if got.src != "::" or got.dst != solicited_node(target)[0] or got.hlim != 255 or got.eth_src != t.ha_mac:
        t.fail("DAD probe for %s from %s to %s hop limit %d, want :: to %s, 255" %
               (target, got.src, got.dst, got.hlim, solicited_node(target)[0]))
    return got


def ha_unsolicited_na(t, target):
    target = canon(target)
    got = t.poll(lambda r: r.kind == "icmp" and r.type == 136 and r.target == target and r.eth_src == t.ha_mac)
    if got is None:
        t.fail("no NA from the HA for %s" % target)
    return got


def deregister(t, hoa, seq):
    t.send_bu(hoa, seq, units=0)
    t.expect_ba(seq, 0, hoa)


@case
def case_dad_probe_and_proxy_na(t):
    """A new registration: the HA probes the HoA from :: (hop limit 255, solicited-node group),
    BA 0 after DAD, then an unsolicited NA for it with R=0, S=0, O=1 (§10.4.1)"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    ha_probe(t, hoa)
    t.expect_ba(s, 0, hoa)
    na = ha_unsolicited_na(t, hoa)
    if na is not None and (na.flags & 0xE0) != 0x20:
        t.fail("proxy NA flags 0x%02x, want R=0 S=0 O=1" % na.flags)
    deregister(t, hoa, nseq())


@case
def case_dad_probe_from_another_node(t):
    """Another node's DAD probe (NS from ::) for the HoA while the HA probes it -> 134, no state"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    if ha_probe(t, hoa) is not None:
        send_dad_probe(t, hoa)
    t.expect_ba(s, 134, hoa)
    t.assert_no_state(hoa)


@case
def case_na_during_dad(t):
    """Another node's NA for the HoA while the HA probes it -> 134, no state"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    if ha_probe(t, hoa) is not None:
        send_unsolicited_na(t, hoa)
    t.expect_ba(s, 134, hoa)
    t.assert_no_state(hoa)


@case
def case_dad_probe_after_registration_defended(t):
    """After BA 0, another node's DAD probe for the HoA is answered: an NA from the HA's MAC to
    all-nodes, R=0 S=0 O=1, Target LLA the HA's MAC (RFC 6275 §10.4.1, RFC 4861 §7.2.4)"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    t.expect_ba(s, 0, hoa)
    ha_unsolicited_na(t, hoa)
    send_dad_probe(t, hoa)
    check_proxy_na(t, ha_unsolicited_na(t, hoa), "ff02::1", 0x20, hoa)
    deregister(t, hoa, nseq())


@case
def case_ns_answered_while_bound(t):
    """A third node's NS for a bound HoA (address resolution) gets the HA's NA: to the solicitor,
    R=0 S=1 O=1, Target LLA the HA's MAC (RFC 6275 §10.4.1); an NS with hop limit 254 (RFC 4861
    §7.1.1) and, after the deregistration, a valid NS get none"""
    hoa, s = hoa_n(nseq()), nseq()
    ll = ENV["ATK_LL"]
    t.send_bu(hoa, s)
    t.expect_ba(s, 0, hoa)
    ha_unsolicited_na(t, hoa)
    send_ns(t, ll, hoa)
    na = t.poll(lambda r: r.kind == "icmp" and r.type == 136 and r.target == canon(hoa) and r.dst == canon(ll))
    if na is None:
        t.fail("no NA from the HA for %s to %s" % (hoa, ll))
    check_proxy_na(t, na, ll, 0x60, hoa)
    send_ns(t, ll, hoa, hlim=254)
    before = ns_barrier(t)
    for r in before or []:
        if r.kind == "icmp" and r.type == 136 and r.target == canon(hoa):
            t.fail("an NA for an NS with hop limit 254: %r" % r)
    deregister(t, hoa, nseq())
    t.drain()
    send_ns(t, ll, hoa)
    before = ns_barrier(t)
    for r in before or []:
        if r.kind == "icmp" and r.type == 136 and r.target == canon(hoa):
            t.fail("an NA for %s after the deregistration: %r" % (hoa, r))


@case
def case_link_local_l1(t):
    """L=1: the HA probes the HoA and fe80::IID from ::, BA 0, NAs for both; a probe for the
    link-local afterwards is defended (§10.3.1, §10.4.1)"""
    hoa, s = hoa_n(nseq()), nseq()
    ll = link_local(hoa)
    t.send_bu(hoa, s, flags=HOME | F_L)
    ha_probe(t, hoa)
    ha_probe(t, ll)
    t.expect_ba(s, 0, hoa)
    ha_unsolicited_na(t, hoa)
    ha_unsolicited_na(t, ll)
    send_dad_probe(t, ll)
    check_proxy_na(t, ha_unsolicited_na(t, ll), "ff02::1", 0x20, ll)
    deregister(t, hoa, nseq())
    t.drain()
    send_dad_probe(t, ll)
    for r in ns_barrier(t) or []:
        if r.kind == "icmp" and r.type == 136 and r.target == canon(ll):
            t.fail("an NA for %s after the deregistration: %r" % (ll, r))


@case
def case_link_local_l1_conflict(t):
    """L=1: another node's DAD probe for fe80::IID while the HA probes -> 134, no state"""
    hoa, s = hoa_n(nseq()), nseq()
    ll = link_local(hoa)
    t.send_bu(hoa, s, flags=HOME | F_L)
    if ha_probe(t, ll) is not None:
        send_dad_probe(t, ll)
    t.expect_ba(s, 134, hoa)
    t.assert_no_state(hoa)


# ---- the reverse tunnel (RFC 6275 §10.4.5; RFC 2473 IPv6-in-IPv6) -----------------------------
# The HA routes 2001:db8:5::/64 to us over the home link, so an inner packet it forwards comes
# back to us from its MAC: seen, it was forwarded; not seen before a sentinel BA, it was not
# (the kernel forwards in the receive path, long before mip6d answers the sentinel BU).
REVTUN_DST = "2001:db8:5::99"
_marks = [0]


def revtun_drops(t):
    import json
    try:
        return json.loads(t.ha(MIP6CTL, "-s", HA_CTL, "--json", "counters"))["drops"]["reverse-tunnel-source"]
    except (ValueError, KeyError) as e:
        t.fail("no reverse-tunnel-source counter: %r" % e)
        return -1


def send_tunnelled(t, outer_src, inner_src):
    """RFC 2473 §3: outer IPv6 header (Next Header 41) to the HA, then the inner packet: inner_src
    to REVTUN_DST, No Next Header, a payload marking it. Returns the marker."""
    _marks[0] += 1
    mark = b"mip6-revtun-%06d" % _marks[0]
    inner = ipv6(inner_src, REVTUN_DST, 59, mark)
    t.send_frame(ipv6(outer_src, HA_ADDR, 41, inner))
    return mark


def is_forwarded(mark):
    return lambda r: r.kind == "data" and r.dst == canon(REVTUN_DST) and mark in r.body and r.eth_src is not None


def tunnel_dropped(t, outer_src, inner_src, why):
    """The packet is dropped, not forwarded, and counted once as reverse-tunnel-source."""
    before = revtun_drops(t)
    mark = send_tunnelled(t, outer_src, inner_src)
    seen = t._sentinel()
    if seen is not None and any(is_forwarded(mark)(r) for r in seen):
        t.fail("%s: the HA forwarded the inner packet" % why)
    after = revtun_drops(t)
    if after != before + 1:
        t.fail("%s: reverse-tunnel-source %d -> %d, want +1" % (why, before, after))


def tunnel_forwarded(t, outer_src, inner_src, why):
    """Positive control: the inner packet leaves the HA on the home link, nothing counted."""
    before = revtun_drops(t)
    mark = send_tunnelled(t, outer_src, inner_src)
    got = t.poll(is_forwarded(mark))
    if got is None:
        t.fail("%s: the inner packet was not forwarded within %.0f s" % (why, REPLY_TIMEOUT))
    elif got.eth_src != t.ha_mac or got.src != canon(inner_src) or got.hlim != 63:
        t.fail("%s: forwarded as %r, want from the HA's MAC, source %s, hop limit 63" % (why, got, inner_src))
    after = revtun_drops(t)
    if after != before:
        t.fail("%s: reverse-tunnel-source %d -> %d, want no change" % (why, before, after))


@case
def case_revtun_forged_outer_source(t):
    """ip6ip6 to the HA from a non-CoA outer source with a bound HoA inside -> dropped, not
    forwarded, reverse-tunnel-source +1 (§10.4.5)"""
    tunnel_dropped(t, "2001:db8:5::66", MN_HOA, "outer 2001:db8:5::66, inner the MN's HoA")


@case
def case_revtun_right_coa_forwarded(t):
    """Control: ip6ip6 from the MN's CoA with its HoA inside -> forwarded to the inner destination,
    nothing counted (§10.4.5 checks addresses only: IPsec protects more)"""
    tunnel_forwarded(t, MN_COA, MN_HOA, "outer the MN's CoA, inner its HoA")


@case
def case_revtun_other_bindings_hoa(t):
    """Our own binding (CoA = our address): ip6ip6 from our CoA with another binding's HoA inside,
    or from another CoA with our HoA -> dropped and counted; ours -> forwarded; after the
    deregistration ours is dropped too (the filter went with the binding)"""
    hoa, s = hoa_n(nseq()), nseq()
    t.send_bu(hoa, s)
    if t.expect_ba(s, 0, hoa) is None:
        return
    tunnel_forwarded(t, SRC, hoa, "outer our CoA, inner our HoA")
    tunnel_dropped(t, SRC, MN_HOA, "outer our CoA, inner the MN's HoA")
    tunnel_dropped(t, MN_COA, hoa, "outer the MN's CoA, inner our HoA")
    deregister(t, hoa, nseq())
    deadline = time.monotonic() + 5
    while canon(hoa) in t.ha("tc", "-n", NS_HA, "filter", "show", "dev", "mip6tnl0", "ingress") and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    tunnel_dropped(t, SRC, hoa, "after the deregistration, outer our CoA, inner our HoA")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--list"]:
        for fn in CASES:
            print("%s: %s" % (fn.__name__[5:], fn.__doc__.split("\n")[0]))
        return 0
    want = [fn for fn in CASES if not args or fn.__name__[5:] in args]
    unknown = set(args) - {fn.__name__[5:] for fn in CASES}
    if unknown:
        print("not ok - unknown case(s): %s" % " ".join(sorted(unknown)))
        return 1
    t = Tester()
    for fn in want:
        t.run(fn.__name__[5:], fn, " ".join(fn.__doc__.split()))
    print("# %d case(s), %d failed" % (len(want), t.fails))
    return min(t.fails, 100)


if __name__ == "__main__":
    sys.exit(main())
