#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dhaad.py SRC ANYCAST ID: send one ICMPv6 Home Agent Address Discovery Request
(RFC 6275 §6.5, laid out here from the RFC: type 144, code 0, checksum, Identifier,
16 reserved bits) from SRC to ANYCAST and wait up to 5 s for the Reply (§6.6: type 145,
the same Identifier, then the home agent addresses, 16 octets each). Prints the Reply's
source and addresses on one line; exit 0 on a matching Reply, 1 on none."""
import select
import socket
import struct
import sys
import time

src, dst, ident = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.bind((src, 0))
# The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets (RFC 3542 §3.1).
s.sendto(struct.pack("!BBHHH", 144, 0, 0, ident, 0), (dst, 0))
end = time.monotonic() + 5
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], max(0, end - time.monotonic()))
    if not r:
        break
    data, addr = s.recvfrom(2048)
    if len(data) < 8 or data[0] != 145 or struct.unpack("!H", data[4:6])[0] != ident:
        continue
    body = data[8:]
    if len(body) % 16:
        print("reply from %s: address list of %d octets is not a multiple of 16" % (addr[0], len(body)))
        sys.exit(1)
    addrs = [socket.inet_ntop(socket.AF_INET6, body[i:i + 16]) for i in range(0, len(body), 16)]
    print("reply from %s: %s" % (addr[0], " ".join(addrs)))
    sys.exit(0)
print("no DHAAD Reply within 5 s")
sys.exit(1)
