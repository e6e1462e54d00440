# SPDX-License-Identifier: GPL-2.0-or-later
"""One handover's timeline from events, all on CLOCK_REALTIME (µs):
the MN's record (`mip6ctl --json bul` -> handovers[].realtime_us: netlink link
changes, the RA, the decision, kernel done, BU, BA, the IKE SA moved by the MN's
charon), the HA's `mip6ctl --json monitor` (ike-moved: the HA's charon) and a
tcpdump -tt capture on the MN's interface (the first echo request from the CN
through the new path). Prints the steps relative to the first link change, then
one machine line "TIMELINE key=ms ..." ("-" for a step not seen).

usage: timeline.py BUL_JSON MONITOR_LOG CAPTURE_LOG SINCE_US TO COA HOA CN
  TO: home or foreign; COA: the move's care-of address (the HoA at home).
Exit status 1 when a step is missing (each one is expected with K=1).
"""
import json
import sys

STEPS = [  # (key, what the demo prints)
    ("link_down", "link change: carrier lost (netlink, MN)"),
    ("link_up", "carrier back on the new link (netlink, MN)"),
    ("ra", "Router Advertisement of the new link read (MN)"),
    ("decided", "movement decided (MN)"),
    ("kernel_done", "kernel steps done: addresses, routes, rule, tunnel (MN)"),
    ("bu_sent", "Binding Update sent (MN)"),
    ("ike_mn", "IKE SA moved: the MN's charon (its migrate job, VICI log)"),
    ("ike_ha", "IKE SA moved: the HA's charon (its migrate job, VICI log)"),
    ("ba_rcvd", "Binding Acknowledgement accepted (MN)"),
    ("first_packet", "first ping from the CN through the new path (capture on the MN)"),
]


def record(bul_path, since, to):
    with open(bul_path) as f:
        hs = json.load(f).get("handovers", [])
    mine = [h for h in hs if h.get("to") == to and h.get("realtime_us", {}).get("decided", 0) > since]
    return mine[0] if mine else None, len(mine)


def ha_ike(monitor_path, after):
    try:
        with open(monitor_path) as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("event") == "ike-moved" and ev.get("realtime_us", 0) > after:
                    return ev["realtime_us"]
    except OSError:
        pass
    return None


def first_packet(cap_path, after, to, coa, hoa, cn):
    try:
        with open(cap_path) as f:
            for line in f:
                f_ = line.split()
                if len(f_) < 9 or "echo request" not in line:
                    continue
                try:
                    t = int(round(float(f_[0]) * 1e6))
                except ValueError:
                    continue
                if t <= after:
                    continue
                if to == "home" and f_[2] == cn and f_[4] == hoa + ":":
                    return t
                if to != "home" and f_[4] == coa + ":" and f_[6] == cn and f_[8] == hoa + ":":
                    return t
    except OSError:
        pass
    return None


def main(argv):
    bul, mon, cap, since, to, coa, hoa, cn = argv[1:9]
    since = int(since)
    rec, n = record(bul, since, to)
    if rec is None:
        print("   !! no handover record after the move")
        print("TIMELINE to=%s missing=record" % to)
        return 1
    t = dict(rec.get("realtime_us", {}))
    t["ike_mn"] = t.pop("ike_moved", None)
    t["ike_ha"] = ha_ike(mon, t["decided"])
    base = t.get("link_down") or t.get("link_up") or t["ra"]
    t["first_packet"] = first_packet(cap, base, to, coa, hoa, cn)
    if n > 1:
        print("   (%d moves were decided after this link change: the first one is shown)" % n)
    rows = sorted(((t[k], k, what) for k, what in STEPS if t.get(k)), key=lambda r: r[0])
    for v, k, what in rows:
        print("   %+9.1f ms  %s" % ((v - base) / 1000.0, what))
    missing = [k for k, _ in STEPS if not t.get(k)]
    for k in missing:
        print("   !! not seen: %s" % dict(STEPS)[k])
    out = ["TIMELINE", "from=" + rec.get("from", "?"), "to=" + to]
    for k, _ in STEPS:
        out.append("%s=%s" % (k, "%.1f" % ((t[k] - base) / 1000.0) if t.get(k) else "-"))
    print(" ".join(out))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
