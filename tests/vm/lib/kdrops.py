#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kdrops.py: the kernel's packet drop counters on the way from a sender to the HA's MH socket,
# so that a flood's BUs the HA never saw are accounted for (ha-scale's flood, issue 10 item 5).
#
#   kdrops.py snap NS... [+NS...]  a JSON snapshot on stdout: /proc/net/softnet_stat (the
#                               per-CPU backlog, one for the whole VM), then per namespace
#                               every device's RX/TX dropped (ip -s link); for a +NS (one the
#                               BUs pass through at the IPv6 layer: the router's, the HA's)
#                               also the IPv6 input/output drops of /proc/net/snmp6 and the
#                               XFRM input errors of /proc/net/xfrm_stat
#   kdrops.py diff OLD NEW      the counters that grew, one "name delta" a line, then
#                               "total N": the sum of the packet drops among them (an upper
#                               bound of the BUs lost before the HA's socket: other traffic
#                               may be among them)
# Not counted: Ip6InUnknownProtos (the HA's kernel counts there each MH packet no raw socket
# took, i.e. those its full MH socket dropped, which SO_RXQ_OVFL already gives the HA), the
# time_squeeze column (not a drop).
import json
import subprocess
import sys

# Counters that mean "a packet was dropped" (the rest of snmp6 counts traffic).
SNMP6_DROPS = ("Ip6InDiscards", "Ip6OutDiscards", "Ip6InNoRoutes", "Ip6OutNoRoutes", "Ip6InAddrErrors",
               "Ip6InHdrErrors", "Ip6InTruncatedPkts", "Ip6InTooBigErrors")


def softnet():
    out = {}
    with open("/proc/net/softnet_stat") as f:
        for cpu, line in enumerate(f):
            col = line.split()
            out[f"softnet/cpu{cpu}/dropped"] = int(col[1], 16)
            out[f"softnet/cpu{cpu}/time_squeeze"] = int(col[2], 16)
    return out


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def netns(ns):
    out = {}
    ip_layer = ns.startswith("+")
    ns = ns.lstrip("+")
    for link in json.loads(run("ip", "-n", ns, "-j", "-s", "link", "show")):
        st = link.get("stats64", {})
        for d in ("rx", "tx"):
            out[f"{ns}/{link['ifname']}/{d}_dropped"] = st.get(d, {}).get("dropped", 0)
    if not ip_layer:
        return out
    text = run("ip", "netns", "exec", ns, "cat", "/proc/net/snmp6", "/proc/net/xfrm_stat")
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k in SNMP6_DROPS or k.startswith("XfrmIn"):
            out[f"{ns}/{k}"] = int(v)
    return out


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "snap":
        snap = softnet()
        for ns in sys.argv[2:]:
            snap.update(netns(ns))
        json.dump(snap, sys.stdout)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "diff":
        with open(sys.argv[2]) as f:
            old = json.load(f)
        with open(sys.argv[3]) as f:
            new = json.load(f)
        total = 0
        for k in sorted(new):
            d = new[k] - old.get(k, 0)
            if d:
                print(k, d)
                if not k.endswith("time_squeeze"):
                    total += d
        print("total", total)
        return 0
    print("usage: kdrops.py snap NS... [+NS...] | diff OLD NEW", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
