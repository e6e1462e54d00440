#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""report.py DIR: the benchmark report (issue 14 item 3) from the logs in DIR.

Reads, when present:
  curve-KERNEL.log          tests/bench/ha-scale-curve.sh's output (CURVE lines, settings)
  demo-retrans-MS.log       the demo's TIMELINE lines at RetransTimer MS (tests/bench/handover.sh),
                            one directory per kernel: DIR/handover-KERNEL/ or DIR itself
Writes DIR/report.md (Markdown tables) and, with gnuplot (Debian: gnuplot-nox), PNG plots:
  scale-rate.png     registrations and refreshes a second against N
  scale-cpu.png      the HA's CPU per registration and per refresh against N
  scale-latency.png  BA latency (median, p99) against N
  handover-KERNEL-rtMS.png   each move type's gap (median, min-max bars)
Nothing here computes a figure that is not in the logs: the tables print what was measured.
"""
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys

CURVE_COLS = [
    ("n", "bindings N"),
    ("reg_per_s", "registrations/s"),
    ("reg_cpu_us", "HA CPU µs / registration"),
    ("reg_sys_us", "of which in the kernel"),
    ("reg_p50", "BA ms p50 (load)"),
    ("reg_p99", "BA ms p99 (load)"),
    ("regidle_p50", "BA ms p50 (idle)"),
    ("ref_per_s", "refreshes/s"),
    ("ref_cpu_us", "HA CPU µs / refresh"),
    ("ref_sys_us", "of which in the kernel"),
    ("ref_p50", "refresh ms p50 (load)"),
    ("ref_p99", "refresh ms p99 (load)"),
    ("refidle_p50", "refresh ms p50 (idle)"),
    ("rss_kib", "HA RSS KiB"),
    ("slab_kib_per_binding", "kernel slab KiB / binding"),
]
MOVES = [("home", "foreign1", "home → foreign"), ("foreign1", "foreign2", "foreign → foreign"),
         ("foreign2", "home", "foreign → home")]
STEPS = ["link_up", "ra", "decided", "kernel_done", "bu_sent", "ike_mn", "ba_rcvd", "ike_ha", "first_packet",
         "ping_gap"]


def kv(line):
    return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)


def read_curves(d):
    out = {}
    for path in sorted(glob.glob(os.path.join(d, "curve-*.log"))):
        kernel = os.path.basename(path)[len("curve-"):-len(".log")]
        text = open(path, errors="replace").read()
        rows = [kv(l) for l in text.splitlines() if l.startswith("CURVE ")]
        m = re.search(r"# settings: (.*)", text)
        fails = len(re.findall(r"^not ok - ", text, re.M))
        out[kernel] = (rows, m.group(1) if m else "settings line missing", fails)
    return out


def gnuplot(script, d):
    if not shutil.which("gnuplot"):
        return False
    subprocess.run(["gnuplot"], input=script, text=True, cwd=d, check=True)
    return True


def curve_section(d, curves):
    lines = ["## Home agent scale curve", ""]
    if not curves:
        return lines + ["No curve-*.log in this run.", ""]
    for kernel, (rows, settings, fails) in curves.items():
        lines += ["### Kernel %s" % kernel, "", "Settings: %s. Checks failed: %d." % (settings, fails), ""]
        lines.append("| " + " | ".join(c[1] for c in CURVE_COLS) + " |")
        lines.append("|" + "---|" * len(CURVE_COLS))
        for r in rows:
            lines.append("| " + " | ".join(r.get(c[0], "-") for c in CURVE_COLS) + " |")
        lines.append("")
        if len(rows) >= 2:
            first, last = rows[0], rows[-1]
            for key, what in (("reg_cpu_us", "CPU per registration"), ("ref_cpu_us", "CPU per refresh")):
                try:
                    a, b = float(first[key]), float(last[key])
                    lines.append("- %s: %.0f µs at N=%s, %.0f µs at N=%s (×%.2f)." %
                                 (what, a, first["n"], b, last["n"], b / a if a else float("nan")))
                except (KeyError, ValueError):
                    pass
            lines.append("")
        with open(os.path.join(d, "curve-%s.dat" % kernel), "w") as f:
            f.write("# " + " ".join(c[0] for c in CURVE_COLS) + "\n")
            for r in rows:
                f.write(" ".join(r.get(c[0], "NaN") for c in CURVE_COLS) + "\n")
    col = {c[0]: i + 1 for i, c in enumerate(CURVE_COLS)}
    plots = [("scale-rate.png", "per second", [("reg_per_s", "registrations"), ("ref_per_s", "refreshes")]),
             ("scale-cpu.png", "HA CPU (µs)", [("reg_cpu_us", "per registration"), ("ref_cpu_us", "per refresh")]),
             ("scale-latency.png", "BA latency (ms)",
              [("reg_p50", "registration p50"), ("reg_p99", "registration p99"), ("ref_p50", "refresh p50"),
               ("ref_p99", "refresh p99")])]
    made = []
    for png, ylabel, series in plots:
        parts = []
        for kernel in curves:
            for key, title in series:
                parts.append("'curve-%s.dat' using 1:%d with linespoints title '%s, %s'" %
                             (kernel, col[key], title, kernel))
        # The y axis from 0: a flat curve must look flat (gnuplot's autoscale starts near the minimum).
        script = ("set terminal png size 800,480\nset output '%s'\nset logscale x\nset grid\n"
                  "set xlabel 'bindings N'\nset ylabel '%s'\nset yrange [0:*]\nset key outside below\nplot %s\n" %
                  (png, ylabel, ", ".join(parts)))
        if gnuplot(script, d):
            made.append(png)
    lines += ["![%s](%s)" % (p[:-4], p) for p in made] + [""]
    return lines


def handover_logs(d):
    found = {}
    for path in sorted(glob.glob(os.path.join(d, "**", "demo-retrans-*.log"), recursive=True)):
        rt = re.search(r"demo-retrans-(\d+)\.log$", path).group(1)
        parent = os.path.basename(os.path.dirname(path))
        kernel = parent.split("-")[-1] if parent.startswith("handover") else "?"
        found[(kernel, rt)] = path
    return found


def handover_section(d):
    lines = ["## Handover timeline", ""]
    logs = handover_logs(d)
    if not logs:
        return lines + ["No demo-retrans-*.log in this run.", ""]
    for (kernel, rt), path in sorted(logs.items()):
        text = open(path, errors="replace").read()
        m = re.search(r"== settings: (.*)", text)
        rows = [kv(l.strip()) for l in text.splitlines() if l.strip().startswith("TIMELINE ")]
        lines += ["### Kernel %s, RetransTimer %s ms" % (kernel, rt), "",
                  "Settings: %s. ms after the link change; median / min / max (n moves)." %
                  (m.group(1) if m else "settings line missing"), ""]
        lines.append("| step | " + " | ".join(t[2] for t in MOVES) + " |")
        lines.append("|---|" + "---|" * len(MOVES))
        dat = []
        for s in STEPS:
            cells = []
            for a, b, title in MOVES:
                v = [float(r[s]) for r in rows if r.get("from_link") == a and r.get("to_link") == b
                     and r.get(s, "-") not in ("-", "")]
                cells.append("%.1f / %.1f / %.1f (n=%d)" % (statistics.median(v), min(v), max(v), len(v))
                             if v else "-")
                if s == "ping_gap" and v:
                    dat.append((title, statistics.median(v), min(v), max(v)))
            lines.append("| %s | %s |" % (s, " | ".join(cells)))
        lines.append("")
        if dat:
            name = "handover-%s-rt%s" % (kernel, rt)
            with open(os.path.join(d, name + ".dat"), "w") as f:
                for i, (title, med, lo, hi) in enumerate(dat):
                    f.write('%d "%s" %f %f %f\n' % (i, title, med, lo, hi))
            script = ("set terminal png size 640,400\nset output '%s.png'\nset style fill solid 0.5\n"
                      "set boxwidth 0.5\nset grid y\nset ylabel 'ping gap (ms)'\nset yrange [0:*]\n"
                      "plot '%s.dat' using 1:3:xtic(2) with boxes notitle, '' using 1:3:4:5 with yerrorbars "
                      "title 'median, min-max'\n" % (name, name))
            if gnuplot(script, d):
                lines += ["![%s](%s.png)" % (name, name), ""]
    return lines


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: report.py DIR")
    d = sys.argv[1]
    lines = ["# mip6d benchmark report", ""]
    machine = os.path.join(d, "machine.txt")
    if os.path.exists(machine):
        lines += ["- " + l for l in open(machine).read().splitlines()] + [""]
    lines += curve_section(d, read_curves(d))
    lines += handover_section(d)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("report: %s" % os.path.join(d, "report.md"))


if __name__ == "__main__":
    main()
