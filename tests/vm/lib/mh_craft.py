#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Craft Mobility Header packets with scapy (an encoder independent of mip6d).

usage: mh_craft.py IFACE SRC HA CASE[,ARGS] ...
cases:
  bu,HOA,SEQ[,LIFETIME_UNITS]  a home-registration BU from SRC with a Home Address option
  truncopts,HOA,SEQ            a BU whose option area holds a PadN running past the end
  unknowntype,HOA              an MH of type 42 (answered with a Binding Error, status 2)
Each packet is sent once on IFACE (layer 3) and summarised on stdout.
"""
import struct
import sys

from scapy.all import IPv6, IPv6ExtHdrDestOpt, Raw, conf, send
from scapy.layers.inet6 import HAO, in6_chksum
from scapy.layers.mobileip import *  # noqa: F401,F403 (keeps scapy's MIP6 layers registered)

conf.verb = 0


def mh_bytes(mhtype, body):
    """Payload Proto 59, Header Len, MH Type, Reserved, Checksum 0, then body (padded to 8n)."""
    raw = bytes([59, 0, mhtype, 0, 0, 0]) + body
    if len(raw) % 8:
        raw += b"\x00" * (8 - len(raw) % 8)
    return bytearray(bytes([59, len(raw) // 8 - 1]) + raw[2:])


def send_mh(iface, src, dst, hoa, mh):
    pkt = IPv6(src=src, dst=dst, nh=60) / IPv6ExtHdrDestOpt(nh=135, options=[HAO(hoa=hoa)]) / Raw(bytes(mh))
    # RFC 6275 §6.1.1: the pseudo-header uses the HoA as source; scapy's in6_chksum
    # follows the Home Address option of the underlayer.
    ck = in6_chksum(135, pkt[IPv6ExtHdrDestOpt], bytes(mh))
    mh[4:6] = struct.pack("!H", ck)
    pkt[Raw].load = bytes(mh)
    send(pkt, iface=iface)


def main():
    iface, src, ha = sys.argv[1:4]
    for case in sys.argv[4:]:
        name, *rest = case.split(",")
        if name == "bu":
            hoa, seq = rest[0], int(rest[1])
            units = int(rest[2]) if len(rest) > 2 else 30
            # BU: Sequence, flags A|H, Lifetime; no options (4 bytes pad to 16).
            mh = mh_bytes(5, struct.pack("!HHH", seq, 0xC000, units) + b"\x00" * 4)
        elif name == "truncopts":
            hoa, seq = rest[0], int(rest[1])
            # Header Len 2 (24 bytes): fixed part, then PadN claiming 30 bytes of 10 left.
            mh = mh_bytes(5, struct.pack("!HHH", seq, 0xC000, 30) + bytes([1, 30]) + b"\x00" * 10)
        elif name == "unknowntype":
            hoa = rest[0]
            mh = mh_bytes(42, b"\x00" * 10)
        else:
            sys.exit("unknown case " + name)
        send_mh(iface, src, ha, hoa, mh)
        print("sent %s (%d bytes of MH)" % (case, len(mh)))


if __name__ == "__main__":
    main()
