#!/usr/bin/env python3
"""Desktop app benchmark; prints one JSON object.

- first_paint_ms: process start to the first frame showing the UI (not a blank window), under
  Xvfb, sampled by grabbing the screen every few milliseconds (resolution = one grab).
- release_binary_bytes: size of target/release/dam-staging-console, if it was built
  (`cargo build --release -p dam-staging-console`; not done here).
- refresh_cpu_percent: CPU of the app and its WebKit processes (of one core) over 30 s while the
  Subscribers screen auto-refreshes every 5 s in demo mode (the simulated DX runs inside the
  app in demo mode and is included).

Usage: scripts/bench-app.py [--binary target/debug/dam-staging-console] [--runs 3]
Needs Xvfb, xwd (x11-apps) and ImageMagick (scripts/setup.sh installs them).
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def colours(display):
    """Distinct colours on the screen (1 = empty root, 2-3 = blank window, many = painted UI)."""
    xwd = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True)
    if xwd.returncode != 0:
        return 0
    out = subprocess.run(["convert", "xwd:-", "-format", "%k", "info:"], input=xwd.stdout, capture_output=True)
    try:
        return int(out.stdout.strip() or 0)
    except ValueError:
        return 0


def app_env(home):
    env = dict(os.environ)
    for k, sub in [("HOME", ""), ("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                   ("XDG_CACHE_HOME", ".cache"), ("XDG_RUNTIME_DIR", "run")]:
        path = os.path.join(home, sub)
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[k] = path
    return env


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def with_display(fn):
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        return fn(display)
    finally:
        xvfb.terminate()
        xvfb.wait()


def first_paint(binary, display):
    home = tempfile.mkdtemp(prefix="dsc-bench-")
    env = app_env(home)
    env["DISPLAY"] = display
    start = time.monotonic()
    app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - start < 30:
            if colours(display) > 8:
                return round((time.monotonic() - start) * 1000)
        return None
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(home, ignore_errors=True)


def refresh_cpu(binary, display, seconds=30):
    home = tempfile.mkdtemp(prefix="dsc-bench-")
    env = app_env(home)
    env["DISPLAY"] = display
    app = subprocess.Popen([binary, "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(12)  # start, seed the demo, first refreshes
        hz = os.sysconf("SC_CLK_TCK")
        pids = descendants(app.pid)
        t0, c0 = time.monotonic(), cpu_ticks(pids)
        time.sleep(seconds)
        t1, c1 = time.monotonic(), cpu_ticks(pids)
        return round((c1 - c0) / hz / (t1 - t0) * 100, 2), len(pids)
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/debug/dam-staging-console"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    paints = [with_display(lambda d: first_paint(args.binary, d)) for _ in range(args.runs)]
    cpu, procs = with_display(lambda d: refresh_cpu(args.binary, d))
    release = os.path.join(ROOT, "target/release/dam-staging-console")
    print(json.dumps({
        "binary": os.path.relpath(args.binary, ROOT),
        "first_paint_ms": paints,
        "first_paint_ms_median": sorted(p for p in paints if p is not None)[len(paints) // 2] if all(paints) else None,
        "release_binary_bytes": os.path.getsize(release) if os.path.exists(release) else None,
        "refresh_cpu_percent_of_one_core": cpu,
        "refresh_processes_measured": procs,
    }))


if __name__ == "__main__":
    main()
