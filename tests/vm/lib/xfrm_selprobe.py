#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Adds an XFRM policy whose upper-layer selector is written in one explicit encoding
(iproute2 can write only some of them), for tests of how the kernel matches MH/ICMPv6 types.

  xfrm_selprobe.py add --src A --dst B --dir in|out|fwd --proto mh|icmp6 --type T
                       --enc sport|dport|both|proto [--action block|allow] [--priority N]

Encodings of the type T in struct xfrm_selector:
  sport  sport = htons(T), sport_mask 0xffff               (Linux 6.1 matching)
  dport  dport = htons(T << 8), dport_mask 0xffff          (Linux >= 6.12 matching)
  both   both of the above
  proto  the protocol only, no type
Exit status 0 when the kernel acknowledged the policy.  Run with Debian's /usr/bin/python3.
"""
import argparse
import socket
import struct
import sys

from xfrm_nl import (NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, SEL_FMT, a6,
                     nlmsg, request)

XFRM_MSG_NEWPOLICY = 0x13
XFRM_INF = 0xFFFFFFFFFFFFFFFF
LFT_FMT = "=8Q"  # struct xfrm_lifetime_cfg
CUR_FMT = "=4Q"  # struct xfrm_lifetime_cur
TAIL_FMT = "=IIBBBBxxxx"  # priority, index, dir, action, flags, share (+ padding to 168)


def add_policy(src, dst, direction, proto, typ, enc, action="block", priority=100):
    """Adds the policy in the caller's network namespace; raises OSError on a kernel error."""
    proto_n = 135 if proto == "mh" else 58
    sport = sport_m = dport = dport_m = 0
    if enc in ("sport", "both"):
        sport, sport_m = socket.htons(typ), 0xFFFF
    if enc in ("dport", "both"):
        dport, dport_m = socket.htons((typ << 8) & 0xFFFF), 0xFFFF
    sel = struct.pack(SEL_FMT, a6(dst), a6(src), dport, dport_m, sport, sport_m,
                      socket.AF_INET6, 128, 128, proto_n, 0, 0)
    body = sel + struct.pack(LFT_FMT, *([XFRM_INF] * 4 + [0] * 4)) + struct.pack(CUR_FMT, 0, 0, 0, 0)
    body += struct.pack(TAIL_FMT, priority, 0, {"in": 0, "out": 1, "fwd": 2}[direction],
                        1 if action == "block" else 0, 0, 0)
    assert len(body) == 168, len(body)
    request(nlmsg(XFRM_MSG_NEWPOLICY, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1,
                  body), "XFRM_MSG_NEWPOLICY")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["add"])
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dir", choices=["in", "out", "fwd"], required=True)
    ap.add_argument("--proto", choices=["mh", "icmp6"], required=True)
    ap.add_argument("--type", type=int, required=True)
    ap.add_argument("--enc", choices=["sport", "dport", "both", "proto"], required=True)
    ap.add_argument("--action", choices=["allow", "block"], default="block")
    ap.add_argument("--priority", type=int, default=100)
    a = ap.parse_args()
    try:
        add_policy(a.src, a.dst, a.dir, a.proto, a.type, a.enc, a.action, a.priority)
    except OSError as e:
        sys.exit(str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
