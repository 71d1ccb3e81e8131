#!/usr/bin/env python3
"""Desktop app benchmark; prints one JSON object.

- first_paint_ms: process start to the first frame showing the UI (not a blank window), under
  Xvfb, sampled by grabbing the screen over and over (resolution = one grab, reported).
- binary_bytes: size of the binary measured.
- refresh_cpu_demo: CPU of the app and its WebKit processes (of one core) over 30 s while the
  Subscribers screen auto-refreshes every 5 s in demo mode (the simulated DX runs inside the
  app in demo mode and is included).
- refresh_cpu_external_sim (with --sim and --profiles): the same against an external
  `dam-sim demo`, the app's figure without the simulator and the simulator's beside it.

Usage: scripts/bench-app.py [--binary target/release/dam-staging-console] [--runs 5]
       [--sim DAM_SIM --profiles BENCH_PROFILES]   (inside scripts/with-keyring.sh)
Needs Xvfb and xwd (x11-apps; scripts/setup.sh installs them).
`scripts/bench.sh` builds what it needs and runs it with the engine's figures.
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
    """Distinct colours on the screen, sampled (1 = empty root, 2-3 = blank window, many = painted
    UI). Reads xwd's output directly (no ImageMagick) so that one grab takes a few milliseconds."""
    xwd = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True)
    if xwd.returncode != 0 or len(xwd.stdout) < 100:
        return 0
    data = xwd.stdout
    header_size = int.from_bytes(data[0:4], "big")
    ncolors = int.from_bytes(data[76:80], "big")  # the header's 20th field
    pixels = data[header_size + ncolors * 12:]
    step = 4 * 97  # every 97th 32-bit pixel (a prime stride, so no column lines up)
    return len({pixels[i:i + 4] for i in range(0, len(pixels) - 4, step)})


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
    """Runs fn(display) with a fresh Xvfb on a free display number (Xvfb picks it: -displayfd)."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        with os.fdopen(r) as f:
            display = ":" + f.readline().strip()
        time.sleep(0.5)
        return fn(display)
    finally:
        xvfb.terminate()
        xvfb.wait()


def first_paint(binary, display):
    """ms from process start to the start of the first screen grab that shows a painted UI, and
    the grab interval (the figure's resolution)."""
    home = tempfile.mkdtemp(prefix="dsc-bench-")
    env = app_env(home)
    env["DISPLAY"] = display
    start = time.monotonic()
    app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        grabs = 0
        while time.monotonic() - start < 30:
            grabbed_at = time.monotonic()
            grabs += 1
            if colours(display) > 8:
                elapsed = grabbed_at - start
                return round(elapsed * 1000), round(elapsed * 1000 / grabs)
        return None, None
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(home, ignore_errors=True)


def measure_cpu(pids_of, seconds):
    """Percent of one core used by the processes pids_of() lists, over `seconds`."""
    hz = os.sysconf("SC_CLK_TCK")
    pids = pids_of()
    t0, c0 = time.monotonic(), cpu_ticks(pids)
    time.sleep(seconds)
    t1, c1 = time.monotonic(), cpu_ticks(pids)
    return round((c1 - c0) / hz / (t1 - t0) * 100, 2), len(pids)


def refresh_cpu_demo(binary, display, seconds):
    """The app (and its WebKit processes) in demo mode on Subscribers: the simulated DX runs
    inside the app's process, so it is included."""
    home = tempfile.mkdtemp(prefix="dsc-bench-")
    env = app_env(home)
    env["DISPLAY"] = display
    app = subprocess.Popen([binary, "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(12)  # start, seed the demo, first refreshes
        cpu, procs = measure_cpu(lambda: descendants(app.pid), seconds)
        return {"percent_of_one_core": cpu, "processes": procs, "seconds": seconds}
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(home, ignore_errors=True)


def refresh_cpu_external(binary, sim, profiles, display, seconds):
    """The app (and its WebKit processes) on Subscribers with two saved connections to an
    external `dam-sim demo` (a publisher and its drifted subscriber, as in demo mode): the app's
    figure without the simulator, and the simulator's own beside it. Needs a keyring (run inside
    scripts/with-keyring.sh): the passwords are stored there, as the Profiles screen would."""
    home = tempfile.mkdtemp(prefix="dsc-bench-")
    env = app_env(home)
    env["DISPLAY"] = display
    simp = subprocess.Popen([sim, "demo"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    app = None
    try:
        info = json.loads(simp.stdout.readline())
        penv = dict(env, DAM_SIM_PASSWORD=info["password"])
        subprocess.run([profiles, home, info["publisher"], info["subscriber"], info["username"]],
                       env=penv, check=True)
        app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(12)  # start, log in, first refreshes
        hz = os.sysconf("SC_CLK_TCK")
        apps, sims = descendants(app.pid), descendants(simp.pid)
        t0, a0, s0 = time.monotonic(), cpu_ticks(apps), cpu_ticks(sims)
        time.sleep(seconds)
        t1, a1, s1 = time.monotonic(), cpu_ticks(apps), cpu_ticks(sims)
        pct = lambda c: round(c / hz / (t1 - t0) * 100, 2)
        return {"app_percent_of_one_core": pct(a1 - a0), "sim_percent_of_one_core": pct(s1 - s0),
                "with_sim_percent_of_one_core": pct(a1 - a0 + s1 - s0), "processes": len(apps),
                "seconds": seconds}
    finally:
        if app is not None:
            app.terminate()
            app.wait()
        simp.terminate()
        simp.wait()
        shutil.rmtree(home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/dam-staging-console"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--sim", help="dam-sim binary: also measure against an external `dam-sim demo`")
    ap.add_argument("--profiles", help="the bench_profiles example binary (with --sim)")
    args = ap.parse_args()
    paints = [with_display(lambda d: first_paint(args.binary, d)) for _ in range(args.runs)]
    ok = sorted(p for p, _ in paints if p is not None)
    out = {
        "binary": args.binary,
        "first_paint_ms": [p for p, _ in paints],
        "first_paint_ms_median": ok[len(ok) // 2] if len(ok) == len(paints) and ok else None,
        "first_paint_grab_interval_ms": max((g for _, g in paints if g is not None), default=None),
        "binary_bytes": os.path.getsize(args.binary),
        "refresh_cpu_demo": with_display(lambda d: refresh_cpu_demo(args.binary, d, args.seconds)),
    }
    if args.sim and args.profiles:
        out["refresh_cpu_external_sim"] = with_display(
            lambda d: refresh_cpu_external(args.binary, args.sim, args.profiles, d, args.seconds))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
