# SPDX-License-Identifier: GPL-2.0-or-later
"""Raw NETLINK_XFRM for the VM tests: the struct layouts of <linux/xfrm.h> both helper
scripts (xfrm_migrate.py, xfrm_selprobe.py) build, attribute coding, and one request with its
ACK.  Imported from the scripts' own directory; run with Debian's /usr/bin/python3."""
import ipaddress
import os
import select
import socket
import struct

NETLINK_XFRM = 6
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x400, 0x200
NLMSG_ERROR = 2

SEL_FMT = "=16s16sHHHHHBBBxxxiI"  # struct xfrm_selector, 56 bytes
assert struct.calcsize(SEL_FMT) == 56


def a6(text):
    return ipaddress.IPv6Address(text).packed


def s6(raw):
    return str(ipaddress.IPv6Address(raw))


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def parse_nlas(data):
    """[(type, payload)] of the attributes in data; stops at the first malformed one."""
    out = []
    while len(data) >= 4:
        alen, atype = struct.unpack_from("=HH", data)
        if alen < 4 or alen > len(data):
            break
        out.append((atype & 0x3FFF, data[4:alen]))
        data = data[(alen + 3) & ~3:]
    return out


def nlmsg(mtype, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


def request(msg, what, timeout=5.0):
    """Sends msg (NLM_F_ACK set) on a fresh NETLINK_XFRM socket in the caller's network
    namespace and waits for the ACK; raises OSError naming `what` on a kernel error,
    on another reply or on no reply within timeout seconds."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM) as sk:
        sk.bind((0, 0))
        sk.send(msg)
        if not select.select([sk], [], [], timeout)[0]:
            raise OSError(0, "%s: no ACK from the kernel" % what)
        r = sk.recv(65536)
    mlen, mtype = struct.unpack_from("=IH", r)
    if mtype != NLMSG_ERROR or mlen < 20:
        raise OSError(0, "%s: unexpected netlink reply type %d" % (what, mtype))
    err = struct.unpack_from("=i", r, 16)[0]
    if err:
        raise OSError(-err, "%s refused: %s" % (what, os.strerror(-err)))
