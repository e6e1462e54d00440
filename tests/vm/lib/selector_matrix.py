#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Measures how the running kernel matches XFRM policies whose selector names a Mobility
Header type or an ICMPv6 type, for each way of writing the type into struct xfrm_selector
(see xfrm_selprobe.py) and each direction.

Needs three network namespaces made by the caller: A (fc00:1::1) -- R (a router) -- B
(fc00:2::1).  For every case it installs one blocking policy (in at B, out at A, fwd at R),
sends three packets of that type from A to B and reports whether the policy matched
(in/fwd: B received none of them; out: the kernel refused every send).

  selector_matrix.py CASE...     CASE = PROTO[+dst]:TYPE[:DIRS[:ENCS]]
PROTO is mh or icmp6; +dst puts a Destination Options header (PadN) in front of the upper
layer, as a Home Address option would be; DIRS (default in,out,fwd) and ENCS (default
sport,dport,both,proto) are comma-separated.  Prints one line per case:
  mh+dst 5 in sport match
Exit status 1 when packets do not get through without any policy.  Debian's /usr/bin/python3.
"""
import ctypes
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xfrm_selprobe  # noqa: E402

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
A, B = "fc00:1::1", "fc00:2::1"
NS = {"in": "B", "out": "A", "fwd": "R"}
# A Destination Options header with one PadN option (IPV6_DSTOPTS ancillary data).
DSTOPTS = bytes([0, 0, 1, 4, 0, 0, 0, 0])


def enter(ns):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
    finally:
        os.close(fd)


def packet(proto, typ, tag):
    if proto == "mh":
        # RFC 6275 §6.1.1: payload proto 59, header length 1 (16 octets), type, reserved,
        # checksum (the kernel fills it: IPV6_CHECKSUM 4), then message data.
        return bytes([59, 1, typ, 0, 0, 0, tag, 1, 0x80, 0, 0, 1, 1, 2, 0, 0])
    return bytes([typ, 0, 0, 0, tag, 0, 0, 0])  # ICMPv6: type, code, checksum, body


def sock(proto):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135 if proto == "mh" else 58)
    if proto == "mh":
        s.setsockopt(socket.IPPROTO_IPV6, 7, 4)  # IPV6_CHECKSUM at offset 4
    return s


def send(tx, data, dstopts):
    if dstopts:
        return tx.sendmsg([data], [(socket.IPPROTO_IPV6, 59, DSTOPTS)], 0, (B, 0))
    return tx.sendto(data, (B, 0))


def received(rx, proto, typ, wait):
    got = 0
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return got
        r, _, _ = select.select([rx], [], [], left)
        if not r:
            return got
        data = rx.recv(2048)
        off = 2 if proto == "mh" else 0
        if len(data) > off and data[off] == typ:
            got += 1


def case(proto, typ, direction, enc, dstopts):
    enter(NS[direction])
    xfrm_selprobe.add_policy(A, B, direction, proto, typ, enc)
    enter("B")
    rx = sock(proto)
    enter("A")
    tx = sock(proto)
    refused = 0
    for tag in range(1, 4):
        try:
            send(tx, packet(proto, typ, tag), dstopts)
        except PermissionError:
            refused += 1
    got = received(rx, proto, typ, 0.5)
    rx.close()
    tx.close()
    subprocess.run(["ip", "-n", NS[direction], "xfrm", "policy", "flush"], check=True)
    return refused == 3 if direction == "out" else got == 0


def main():
    # Without any policy the packets arrive (else every "match" below would be a lie).
    for proto, typ in (("mh", 5), ("icmp6", 146)):
        for dstopts in (False, True):
            enter("B")
            rx = sock(proto)
            enter("A")
            tx = sock(proto)
            send(tx, packet(proto, typ, 1), dstopts)
            if received(rx, proto, typ, 3) == 0:
                print("baseline %s %d: not received without any policy" % (proto, typ))
                return 1
            rx.close()
            tx.close()
    for c in sys.argv[1:]:
        f = c.split(":")
        proto, typ = f[0], int(f[1])
        dirs = f[2].split(",") if len(f) > 2 else ["in", "out", "fwd"]
        encs = f[3].split(",") if len(f) > 3 else ["sport", "dport", "both", "proto"]
        dstopts = proto.endswith("+dst")
        proto = proto.replace("+dst", "")
        for direction in dirs:
            for enc in encs:
                m = case(proto, typ, direction, enc, dstopts)
                print("%s%s %d %s %s %s" % (proto, "+dst" if dstopts else "", typ, direction, enc,
                                            "match" if m else "nomatch"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
