#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Craft Mobility Header packets with scapy (an encoder independent of mip6d).

usage: mh_craft.py IFACE SRC HA CASE[,ARGS] ...
cases:
  bu,HOA,SEQ[,LIFETIME_UNITS]  a home-registration BU from SRC with a Home Address option
  truncopts,HOA,SEQ            a BU whose option area holds a PadN running past the end
  unknowntype,HOA              an MH of type 42 (answered with a Binding Error, status 2)
  bumr,HOA,SEQ,PREFIX/LEN      a mobile router's BU (A|H|R, RFC 3963 §4.1) with one Mobile
                               Network Prefix option (§4.3: type 6, length 18, at 8n+4)
scapy builds the Destination Options header with the HAO and computes the MH
checksum over the HoA; a raw IPPROTO_MH socket (kernel checksum off) sends it
with the options header as ancillary data. Each packet is sent once and
summarised on stdout.
"""
import socket
import struct
import sys

# Only the modules this needs, not scapy.all (every layer): half the import time, which is
# seconds under TCG.
from scapy.config import conf
from scapy.layers.inet6 import HAO, IPv6, IPv6ExtHdrDestOpt, in6_chksum
from scapy.packet import Raw

conf.verb = 0


def mh_bytes(mhtype, body):
    """Payload Proto 59, Header Len, MH Type, Reserved, Checksum 0, then body (padded to 8n)."""
    raw = bytes([59, 0, mhtype, 0, 0, 0]) + body
    if len(raw) % 8:
        raw += b"\x00" * (8 - len(raw) % 8)
    return bytearray(bytes([59, len(raw) // 8 - 1]) + raw[2:])


def send_mh(sock, src, dst, hoa, mh):
    dopt = IPv6ExtHdrDestOpt(nh=135, options=[HAO(hoa=hoa)])
    pkt = IPv6(src=src, dst=dst, nh=60) / dopt / Raw(bytes(mh))
    # RFC 6275 §6.1.1: the pseudo-header uses the HoA as source; scapy's in6_chksum
    # follows the Home Address option of the underlayer.
    ck = in6_chksum(135, pkt[IPv6ExtHdrDestOpt], bytes(mh))
    mh[4:6] = struct.pack("!H", ck)
    sock.sendmsg([bytes(mh)], [(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes(dopt))], 0, (dst, 0))


def main():
    iface, src, ha = sys.argv[1:4]
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, -1)
    sock.bind((src, 0))
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
        elif name == "bumr":
            hoa, seq = rest[0], int(rest[1])
            pfx, plen = rest[2].split("/")
            # Sequence, flags A|H|R (0xc400), Lifetime 30 units; the MNP at 12: Type 6,
            # Length 18, Reserved, Prefix Length, the prefix. 32 bytes, no padding.
            mnp = bytes([6, 18, 0, int(plen)]) + socket.inet_pton(socket.AF_INET6, pfx)
            mh = mh_bytes(5, struct.pack("!HHH", seq, 0xC400, 30) + mnp)
        elif name == "unknowntype":
            hoa = rest[0]
            mh = mh_bytes(42, b"\x00" * 10)
        else:
            sys.exit("unknown case " + name)
        send_mh(sock, src, ha, hoa, mh)
        print("sent %s (%d bytes of MH)" % (case, len(mh)))


if __name__ == "__main__":
    main()
