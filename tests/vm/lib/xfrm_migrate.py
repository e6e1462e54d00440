#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""XFRM_MSG_MIGRATE over raw netlink, for tests (iproute2 has no `ip xfrm policy migrate`).

  xfrm_migrate.py send --sel SRC/PLEN,DST/PLEN --dir out [--ptype main|sub] [--proto N]
                       --migrate OLDSRC,OLDDST,NEWSRC,NEWDST,PROTO,MODE,REQID [--migrate ...]
                       [--kmaddress LOCAL,REMOTE] [--expect-notify] [--timeout S]
  xfrm_migrate.py listen [--count N] [--timeout S]

`send` sends one MIGRATE request and checks the kernel's ACK.  With --expect-notify it first
joins XFRMNLGRP_MIGRATE on a second socket in the same network namespace and then requires
the kernel's MIGRATE notification to come back with the same selector, migrate entries and
KMADDRESS.  `listen` prints the MIGRATE notifications it sees.  Notifications are printed as
  migrate dir=out ptype=main sel=SRC/PLEN,DST/PLEN m=OLDSRC,OLDDST>NEWSRC,NEWDST,esp,tunnel,7
          km=LOCAL,REMOTE
Exit status: 0 ok, 1 failure (message on stderr).  Run with Debian's /usr/bin/python3.
"""

import argparse
import ipaddress
import select
import socket
import struct
import sys
import time

from xfrm_nl import (NETLINK_XFRM, NLM_F_ACK, NLM_F_REQUEST, SEL_FMT, a6, nla, nlmsg,
                     parse_nlas, request, s6)

XFRM_MSG_MIGRATE = 0x21
XFRMNLGRP_MIGRATE = 7
XFRMA_POLICY_TYPE = 16
XFRMA_MIGRATE = 17
XFRMA_KMADDRESS = 19
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
IPSEC_ULPROTO_ANY = 255

PROTOS = {"esp": 50, "ah": 51, "comp": 108, "route2": 43, "hao": 60, "any": 255}
MODES = {"transport": 0, "tunnel": 1, "ro": 2, "beet": 4}
DIRS = {"in": 0, "out": 1, "fwd": 2}
PTYPES = {"main": 0, "sub": 1}

UPID_FMT = SEL_FMT + "IBxxx"  # struct xfrm_userpolicy_id, 64 bytes
MIG_FMT = "=16s16s16s16sBBHIHH"  # struct xfrm_user_migrate, 76 bytes
KM_FMT = "=16s16sIHxx"  # struct xfrm_user_kmaddress, 40 bytes
assert struct.calcsize(UPID_FMT) == 64
assert struct.calcsize(MIG_FMT) == 76 and struct.calcsize(KM_FMT) == 40


def rname(table, value):
    for k, v in table.items():
        if v == value:
            return k
    return str(value)


def parse_sel(text):
    src, dst = text.split(",")
    s = ipaddress.IPv6Network(src, strict=False)
    d = ipaddress.IPv6Network(dst, strict=False)
    return (d.network_address.packed, s.network_address.packed, d.prefixlen, s.prefixlen)


def build_request(args, seq):
    daddr, saddr, plen_d, plen_s = parse_sel(args.sel)
    body = struct.pack(UPID_FMT, daddr, saddr, 0, 0, 0, 0, socket.AF_INET6, plen_d, plen_s,
                       args.proto, 0, 0, 0, DIRS[args.dir])
    migs = b""
    for m in args.migrate:
        f = m.split(",")
        if len(f) != 7:
            raise SystemExit("--migrate needs OLDSRC,OLDDST,NEWSRC,NEWDST,PROTO,MODE,REQID")
        migs += struct.pack(MIG_FMT, a6(f[1]), a6(f[0]), a6(f[3]), a6(f[2]), PROTOS[f[4]],
                            MODES[f[5]], 0, int(f[6], 0), socket.AF_INET6, socket.AF_INET6)
    attrs = nla(XFRMA_POLICY_TYPE, struct.pack("=BxHBx", PTYPES[args.ptype], 0, 0))
    attrs += nla(XFRMA_MIGRATE, migs)
    if args.kmaddress:
        local, remote = args.kmaddress.split(",")
        attrs += nla(XFRMA_KMADDRESS, struct.pack(KM_FMT, a6(local), a6(remote), 0,
                                                  socket.AF_INET6))
    payload = body + attrs
    return nlmsg(XFRM_MSG_MIGRATE, NLM_F_REQUEST | NLM_F_ACK, seq, payload)


def decode_migrate(payload):
    """Returns a dict describing a MIGRATE message payload (after the nlmsghdr)."""
    if len(payload) < 64:
        raise ValueError("short MIGRATE message")
    f = struct.unpack_from(UPID_FMT, payload)
    daddr, saddr, plen_d, plen_s, direction = f[0], f[1], f[7], f[8], f[13]
    info = {"dir": rname(DIRS, direction), "ptype": "main",
            "sel": "%s/%d,%s/%d" % (s6(saddr), plen_s, s6(daddr), plen_d), "m": [], "km": None}
    for atype, data in parse_nlas(payload[64:]):
        if atype == XFRMA_MIGRATE:
            for off in range(0, len(data) - 75, 76):
                g = struct.unpack_from(MIG_FMT, data, off)
                info["m"].append("%s,%s>%s,%s,%s,%s,%d" % (
                    s6(g[1]), s6(g[0]), s6(g[3]), s6(g[2]), rname(PROTOS, g[4]),
                    rname(MODES, g[5]), g[7]))
        elif atype == XFRMA_KMADDRESS and len(data) >= 38:
            g = struct.unpack_from(KM_FMT, data)
            info["km"] = "%s,%s" % (s6(g[0]), s6(g[1]))
        elif atype == XFRMA_POLICY_TYPE and len(data) >= 1:
            info["ptype"] = rname(PTYPES, data[0])
    return info


def format_info(info):
    text = "migrate dir=%s ptype=%s sel=%s" % (info["dir"], info["ptype"], info["sel"])
    for m in info["m"]:
        text += " m=" + m
    if info["km"]:
        text += " km=" + info["km"]
    return text


def listener():
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    sk.bind((0, 0))
    sk.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, XFRMNLGRP_MIGRATE)
    return sk


def read_notifications(sk, deadline, want):
    """Yields decoded MIGRATE notifications until `want` were read or the deadline."""
    got = 0
    while got < want:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sk], [], [], left)[0]:
            return
        data = sk.recv(65536)
        while len(data) >= 16:
            mlen, mtype = struct.unpack_from("=IH", data)
            if mlen < 16 or mlen > len(data):
                break
            if mtype == XFRM_MSG_MIGRATE:
                got += 1
                yield decode_migrate(data[16:mlen])
            data = data[(mlen + 3) & ~3:]


def cmd_send(args):
    lsk = listener() if args.expect_notify else None
    seq = int(time.time()) & 0xFFFFFFF
    try:
        request(build_request(args, seq), "MIGRATE", args.timeout)
    except OSError as e:
        print("xfrm_migrate: %s" % e.strerror, file=sys.stderr)
        return 1
    print("xfrm_migrate: MIGRATE accepted")
    if lsk is None:
        return 0
    want_sel = ",".join(str(ipaddress.IPv6Network(x, strict=False)) for x in args.sel.split(","))
    want_m = []
    for m in args.migrate:
        f = m.split(",")
        want_m.append("%s,%s>%s,%s,%s,%s,%d" % (s6(a6(f[0])), s6(a6(f[1])), s6(a6(f[2])),
                                                s6(a6(f[3])), f[4], f[5], int(f[6], 0)))
    want_km = None
    if args.kmaddress:
        want_km = ",".join(s6(a6(x)) for x in args.kmaddress.split(","))
    deadline = time.monotonic() + args.timeout
    for info in read_notifications(lsk, deadline, 16):
        print(format_info(info))
        sel = ",".join(str(ipaddress.IPv6Network(x)) for x in info["sel"].split(","))
        if (info["dir"] == args.dir and info["ptype"] == args.ptype and sel == want_sel
                and info["m"] == want_m and info["km"] == want_km):
            print("xfrm_migrate: notification matches (KMADDRESS %s)" % want_km)
            return 0
    print("xfrm_migrate: no matching MIGRATE notification within %g s" % args.timeout,
          file=sys.stderr)
    return 1


def cmd_listen(args):
    sk = listener()
    print("xfrm_migrate: listening", flush=True)
    n = 0
    for info in read_notifications(sk, time.monotonic() + args.timeout, args.count):
        print(format_info(info), flush=True)
        n += 1
    return 0 if n >= args.count else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--sel", required=True)
    s.add_argument("--dir", choices=DIRS, default="out")
    s.add_argument("--proto", type=int, default=IPSEC_ULPROTO_ANY,
                   help="the selector's upper-layer protocol (default 255: any)")
    s.add_argument("--ptype", choices=PTYPES, default="main")
    s.add_argument("--migrate", action="append", required=True)
    s.add_argument("--kmaddress")
    s.add_argument("--expect-notify", action="store_true")
    s.add_argument("--timeout", type=float, default=5.0)
    li = sub.add_parser("listen")
    li.add_argument("--count", type=int, default=1)
    li.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    return cmd_send(args) if args.cmd == "send" else cmd_listen(args)


if __name__ == "__main__":
    sys.exit(main())
