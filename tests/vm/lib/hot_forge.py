#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A forged Home Test straight to the mobile node (RFC 6275 §11.6.2), plain Python (no scapy).

usage: hot_forge.py SRC HOA COA TIMEOUT

Run in the correspondent's namespace while its mip6d is stopped. First sends a Binding Error
status 1 (MH type 7, §6.1.9: "unknown binding for Home Address destination option") from SRC
to COA, as the CN does for a binding it lost: the MN starts a new return routability
procedure with a new home keygen token (§11.3.6). Reads that Home Test Init (MH type 1, from
HOA to SRC: the home agent forwards it in the clear), then sends
a Home Test (MH type 3) with that HoTI's cookie from SRC to HOA, NOT through the home agent:
to COA with a type 2 routing header holding HOA (the header the MN's kernel accepts from a
correspondent it has a route2 state for). Its checksum is computed here, the pseudo-header
naming HOA as the final destination (RFC 8200 §8.1). A mobile node that keeps the rule "a HoT
is received in a tunnel from the home agent" must drop it. Prints "be sent", then
"hoti cookie=..." and "forged hot sent" (or "no hoti" after TIMEOUT s); exit status 0 if sent.
"""
import select
import socket
import struct
import sys
import time


def csum(src, dst, payload):
    pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
    pseudo += struct.pack("!I3xB", len(payload), 135)
    data = pseudo + payload
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    src, hoa, coa, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, -1)
    sock.bind((src, 0))
    # BE (§6.1.9): Status 1, Reserved, Home Address: 24 octets with the header, Len 2.
    be = bytearray(struct.pack("!BBBBHBB", 59, 2, 7, 0, 0, 1, 0) + socket.inet_pton(socket.AF_INET6, hoa))
    be[4:6] = struct.pack("!H", csum(src, coa, bytes(be)))
    sock.sendto(bytes(be), (coa, 0))
    print("be sent", flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data, addr = sock.recvfrom(2048)
        # HoTI (§6.1.3): Proto, Len, Type 1, Reserved, Checksum, Reserved (2), Cookie (8).
        if len(data) < 16 or data[2] != 1 or addr[0] != hoa:
            continue
        cookie = data[8:16]
        print("hoti cookie=%s" % cookie.hex(), flush=True)
        # HoT (§6.1.5): Home Nonce Index, Cookie, Keygen Token (8): 24 octets, Len 2.
        mh = bytearray(struct.pack("!BBBBHH", 59, 2, 3, 0, 0, 1) + cookie + b"\x5a" * 8)
        mh[4:6] = struct.pack("!H", csum(src, hoa, bytes(mh)))
        rth = struct.pack("!BBBB4x", 0, 2, 2, 1) + socket.inet_pton(socket.AF_INET6, coa)
        sock.sendmsg([bytes(mh)], [(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, rth)], 0, (hoa, 0))
        print("forged hot sent", flush=True)
        return 0
    print("no hoti", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
