# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The node-wide benchmarks (issue 14), run by bench.py: the attach delay of a binary
replaced on disk, containers (first exec to first record, the agent's CPU per new
process) and scale (many containers x 200 function probes: start to all traced, idle
RSS and CPU, a reload changing one probe). Podman runs with the bench's own
configuration and storage, as tests/integration/test_follow.c does. Nothing here
asserts timings."""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")
# The container's view of the target, and its twin under a name no target names.
CTR_BIN = "/usr/bin/follow"
CTR_OTHER = "/usr/bin/other"
# Sizes (full bench, smoke run).
DELAY_ROUNDS = (20, 2)
DELAY_MS = (300, 50)         # each replaced binary's run: tick() every ~100 us for this long
CTR_ROUNDS = (5, 1)          # containers of a new image, and of a probed one
SPAWN_N = (1000, 10)         # short processes per container for the CPU figure
SCALE_CTRS = (50, 2)
SCALE_IMAGES = (5, 1)
SCALE_PROBES = 200
SCALE_ALL_MS = (1000, 200)   # each container calls all 200 functions this often
SCALE_IDLE_S = (10, 0.3)
SWEEP_WAIT_S = (1.2, 0.1)    # after a container's processes are gone: the sweep (every 1 s)
SCALE_RELOADS = (3, 1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICKS


def proc_rss_mib(pid):
    """VmRSS and VmHWM of a process, MiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


def agent_prog_ids(pid):
    """The BPF programs a process holds, from its fds' fdinfo."""
    ids = set()
    d = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(d):
        try:
            with open(os.path.join(d, fd)) as f:
                m = re.search(r"^prog_id:\s+(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


class Agent:
    """agent-trace on a probe file (text), in the background, with /metrics on a free
    port: started once /healthz answers, stopped with SIGINT."""

    def __init__(self, at, tmp, name, yaml, extra=(), json_out=False):
        self.yaml = os.path.join(tmp, name + ".yaml")
        self.out = os.path.join(tmp, name + ".out")
        self.err = os.path.join(tmp, name + ".err")
        with open(self.yaml, "w") as f:
            f.write(yaml)
        self.port = free_port()
        argv = [at, "-C", self.yaml, "--metrics", f"127.0.0.1:{self.port}",
                *(["--json"] if json_out else []), "-o", self.out if json_out else "/dev/null",
                *extra]
        self.t0 = time.monotonic()
        self.fe = open(self.err, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=self.fe)
        deadline = self.t0 + 60
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                            timeout=2) as r:
                    if r.status == 200:
                        self.ready_s = time.monotonic() - self.t0
                        return
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise RuntimeError("agent-trace did not start: " + self.stderr()[-300:])

    def stderr(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def metric(self, name):
        """An unlabelled series of /metrics, or None."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            body = r.read().decode()
        m = re.search(r"^" + re.escape(name) + r" (\S+)", body, re.M)
        return float(m.group(1)) if m else None

    def wait_metric(self, name, at_least, secs):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            v = self.metric(name)
            if v is not None and v >= at_least:
                return True
            time.sleep(0.02)
        return False

    def cpu_s(self):
        return proc_cpu_s(self.p.pid)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.fe.close()
        return self.p.returncode


class Records:
    """The call records of an agent's --json output, read as it grows."""

    def __init__(self, path):
        self.path, self.pos, self.buf = path, 0, b""

    def new(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                chunk = f.read()
        except FileNotFoundError:
            return []
        self.pos += len(chunk)
        *lines, self.buf = (self.buf + chunk).split(b"\n")
        out = []
        for l in lines:
            if b'"type":"call"' in l:
                try:
                    out.append(json.loads(l))
                except ValueError:
                    pass
        return out


class Podman:
    """podman with the bench's own containers.conf (runc, cgroupfs, the machine's
    ulimits) and storage under dir; images from a rootfs tar (no registry)."""

    def __init__(self, dir):
        self.dir = dir
        os.makedirs(dir, exist_ok=True)
        self.conf = os.path.join(dir, "containers.conf")
        with open(self.conf, "w") as f:
            f.write("[containers]\n"
                    "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
                    "[engine]\ncgroup_manager = \"cgroupfs\"\nruntime = \"runc\"\n"
                    "events_logger = \"file\"\n")
        self.env = dict(os.environ, CONTAINERS_CONF=self.conf)
        self.base = ["podman", "--root", os.path.join(dir, "root"), "--runroot",
                     os.path.join(dir, "run"), "--tmpdir", os.path.join(dir, "tmp")]
        self.n = 0

    def cmd(self, *args, check=True):
        """A podman command's stdout; its output goes through a file: conmon keeps what
        it inherited open for the container's life, a pipe would not end."""
        self.n += 1
        path = os.path.join(self.dir, f"cmd{self.n % 4}.out")
        with open(path, "w") as o:
            p = subprocess.run(self.base + list(args), env=self.env, stdin=subprocess.DEVNULL,
                               stdout=o, stderr=subprocess.PIPE, text=True, timeout=300)
        out = open(path).read().strip()
        if check and p.returncode:
            raise RuntimeError(f"podman {' '.join(args[:2])}: " + p.stderr.strip()[-300:])
        return out

    def image(self, follow, name):
        """localhost/at-bench-NAME:1, a rootfs of bench/follow at CTR_BIN and at CTR_OTHER
        and a file naming the image (so every image has layers, and inodes, of its own)."""
        r = os.path.join(self.dir, "rootfs-" + name)
        shutil.rmtree(r, ignore_errors=True)
        os.makedirs(os.path.join(r, "usr", "bin"))
        os.makedirs(os.path.join(r, "ctl"))
        for p in (CTR_BIN, CTR_OTHER):
            shutil.copy(follow, r + p)
        with open(os.path.join(r, "image"), "w") as f:
            f.write(name + "\n")
        tar = r + ".tar"
        subprocess.run(["tar", "-C", r, "-cf", tar, "."], check=True)
        tag = f"localhost/at-bench-{name}:1"
        self.cmd("import", "-q", tar, tag)
        return tag

    def run(self, image, *args, volume=None):
        """A detached container; its full id."""
        vol = ["-v", f"{volume}:/ctl:ro"] if volume else []
        cid = self.cmd("run", "-d", "--network", "none", *vol, image, *args)
        if not re.fullmatch(r"[0-9a-f]{64}", cid):
            raise RuntimeError("podman run: " + cid[-200:])
        return cid

    def wait(self, cid):
        code = self.cmd("wait", cid)
        if code.strip() != "0":
            raise RuntimeError(f"container {cid[:12]} exited {code}")

    def cleanup(self):
        self.cmd("rm", "-f", "-a", "-t", "0", check=False)
        self.cmd("rmi", "-af", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def have_podman():
    return bool(shutil.which("podman") and shutil.which("runc"))


def med(v):
    return statistics.median(v) if v else None


# -- attach delay of a binary replaced on disk -------------------------------------------
def attach_delay(b):
    """A binary replaced on disk (cp to a new file, mv over the probed path) while the
    agent runs with targets: {exe: [PATH]} and a function probe on it; each new file
    runs tick() every ~100 us: from main()'s start to the first call recorded, and the
    calls missed before it."""
    rounds, ms = DELAY_ROUNDS[b.smoke], DELAY_MS[b.smoke]
    d = os.path.join(b.tmp, "svc")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "follow")
    shutil.copy(b.follow, path)
    ag = Agent(b.at, b.tmp, "delay",
               f"targets:\n  exe: [{path}]\nprobes:\n  - name: tick\n    kind: function\n"
               f"    attach: '{path}:tick(long i, long now, long start) -> long'\n",
               json_out=True)
    recs = Records(ag.out)
    runs = []
    try:
        for r in range(rounds):
            shutil.copy(path, path + ".new")
            os.rename(path + ".new", path)
            launch_us = time.monotonic_ns() // 1000
            p = subprocess.run([path, "ticker", str(ms)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            res = {"round": r + 1}
            first = None
            deadline = time.monotonic() + 3
            while first is None and time.monotonic() < deadline:
                for rec in recs.new():
                    a = rec.get("args", {})
                    # This run's (an earlier run's records may come late).
                    if rec.get("probe_name") == "tick" and first is None and \
                            a.get("start", 0) >= launch_us:
                        first = a
                if first is None:
                    time.sleep(0.02)
            if p.returncode:
                res["error"] = f"ticker exit {p.returncode}: {p.stderr.strip()[:100]}"
            elif first is None:
                # A finding, not the harness's failure: the run was missed entirely.
                res["never_seen"] = True
                res["agent_log"] = ag.stderr()[-600:]
            else:
                res.update({"delay_us": first["now"] - first["start"], "missed": first["i"]})
            runs.append(res)
            print(f"attach delay round {r + 1}: " + (res.get("error") or (
                  f"{res['delay_us']} us, {res['missed']} calls missed" if "delay_us" in res
                  else f"never seen in {ms} ms of calls")), flush=True)
    finally:
        ag.stop()
    attached = ag.stderr().count("attached in")
    ok = [x for x in runs if "delay_us" in x]
    return {"rounds": rounds, "run_ms": ms, "runs": runs, "attached_lines": attached,
            "delay_us_median": med([x["delay_us"] for x in ok]),
            "delay_us_max": max([x["delay_us"] for x in ok]) if ok else None,
            "missed_median": med([x["missed"] for x in ok]),
            "missed_max": max([x["missed"] for x in ok]) if ok else None,
            "not_seen": len([x for x in runs if x.get("never_seen")])}


# -- containers: first exec to first record, CPU per new process ----------------------------
def first_tick(recs, cid, deadline):
    """The args of container cid's first tick record (or None by the deadline)."""
    while time.monotonic() < deadline:
        for rec in recs.new():
            # A return whose entry came before the attach has no arguments: not a first tick.
            if (rec.get("probe_name") == "tick" and rec.get("container_id") == cid
                    and "now" in (rec.get("args") or {})):
                return rec["args"]
        time.sleep(0.02)
    return None


def containers(b, pm):
    """First exec in a new container to its first record: a container of a new image (its
    file attached at its exec) and one of an image a running container holds attached
    (nothing to attach); and the agent's CPU per new traced process: a container forking
    and exec'ing short processes matched by the exe target, beside one whose processes
    no target names."""
    rounds, n = CTR_ROUNDS[b.smoke], SPAWN_N[b.smoke]
    ms = DELAY_MS[b.smoke]
    held = pm.image(b.follow, "held")
    ag = Agent(b.at, b.tmp, "ctr",
               f"targets:\n  exe: [{CTR_BIN}]\nprobes:\n"
               f"  - name: tick\n    kind: function\n"
               f"    attach: '{CTR_BIN}:tick(long i, long now, long start) -> long'\n"
               f"  - name: once\n    kind: function\n"
               f"    attach: '{CTR_BIN}:fn_000(long t) -> long'\n", json_out=True)
    recs = Records(ag.out)
    out = {"new_image": [], "probed_image": [], "spawn": [], "spawn_n": n}
    spawned = set()
    try:
        # The holder: a traced process of image "held" that calls nothing.
        pm.run(held, CTR_BIN, "idle")
        if not ag.wait_metric("agent_trace_follow_files", 1, 30):
            raise RuntimeError("the holder's file was never attached: " + ag.stderr()[-200:])
        for r in range(rounds):
            for kind in ("new_image", "probed_image"):
                img = pm.image(b.follow, f"new{r}") if kind == "new_image" else held
                t_run = time.monotonic()
                cid = pm.run(img, CTR_BIN, "ticker", str(ms))
                run_s = time.monotonic() - t_run
                a = first_tick(recs, cid, time.monotonic() + 5)
                pm.wait(cid)
                res = {"round": r + 1, "podman_run_s": run_s}
                if a is None:
                    res["never_seen"] = True
                else:
                    res.update({"delay_us": a["now"] - a["start"], "missed": a["i"]})
                out[kind].append(res)
                print(f"container {kind} round {r + 1}: " + (
                      f"{res['delay_us']} us, {res['missed']} calls missed" if "delay_us" in res
                      else f"never seen in {ms} ms of calls"), flush=True)
            # CPU per new process: N short processes matched by the target, and N not.
            for kind, path in (("traced", CTR_BIN), ("untraced", CTR_OTHER)):
                c0, t0 = ag.cpu_s(), time.monotonic()
                cid = pm.run(held, CTR_BIN, "spawn", str(n), path)
                pm.wait(cid)
                spawned.add(cid)
                # The sweep (every second) releases the gone processes: its work counts.
                time.sleep(SWEEP_WAIT_S[b.smoke])
                c1 = ag.cpu_s()
                res = {"round": r + 1, "kind": kind, "cpu_s": c1 - c0,
                       "wall_s": time.monotonic() - t0}
                out["spawn"].append(res)
                print(f"container spawn {kind} round {r + 1}: {n} processes, agent cpu "
                      f"{res['cpu_s']:.2f} s", flush=True)
        out["follow_files_attached"] = ag.metric("agent_trace_follow_files_attached_total")
    finally:
        ag.stop()
        pm.cmd("rm", "-f", "-a", "-t", "0", check=False)
    # One record per traced short process, none from the untraced ones.
    out["records_of_short_processes"] = sum(
        1 for l in open(ag.out, errors="replace") if '"probe_name":"once"' in l and
        '"type":"call"' in l and any(c in l for c in spawned))
    out["records_expected"] = n * rounds
    for kind in ("new_image", "probed_image"):
        ok = [x for x in out[kind] if "delay_us" in x]
        out[kind + "_summary"] = {
            "delay_us_median": med([x["delay_us"] for x in ok]),
            "delay_us_max": max([x["delay_us"] for x in ok]) if ok else None,
            "missed_median": med([x["missed"] for x in ok]),
            "not_seen": len([x for x in out[kind] if x.get("never_seen")])}
    for kind in ("traced", "untraced"):
        v = [x["cpu_s"] for x in out["spawn"] if x["kind"] == kind]
        out[kind + "_cpu_s_median"] = med(v)
    t, u = out["traced_cpu_s_median"], out["untraced_cpu_s_median"]
    if t is not None and u is not None:
        out["cpu_us_per_traced_process"] = t * 1e6 / n
        out["cpu_us_per_untraced_process"] = u * 1e6 / n
        out["net_cpu_us_per_traced_process"] = (t - u) * 1e6 / n
    return out


# -- scale: many containers x 200 function probes ---------------------------------------------
def scale_yaml(probes, changed=False):
    return f"targets:\n  exe: [{CTR_BIN}]\nprobes:\n" + "".join(
        f"  - name: p{i:03d}\n    kind: function\n    attach: '{CTR_BIN}:fn_{i:03d}"
        f"(long {'u' if changed and i == probes - 1 else 't'}) -> long'\n"
        for i in range(probes))


def scale(b, pm):
    """N containers from K images, each calling fn_000 every 50 ms and fn_000..fn_199 every
    second (the smoke run: 200 ms), started before the agent; the agent with 200 function probes under targets:
    {exe: [...]}: agent start to every container traced (its first record) and to every
    probe seen in every container; RSS and CPU idle (the containers' calls stopped) for
    10 s; a reload (SIGHUP) changing one probe, to the reload's log line."""
    nc, ni = SCALE_CTRS[b.smoke], SCALE_IMAGES[b.smoke]
    idle_s, reloads = SCALE_IDLE_S[b.smoke], SCALE_RELOADS[b.smoke]
    ctl = os.path.join(pm.dir, "ctl")
    os.makedirs(ctl, exist_ok=True)
    quiet = os.path.join(ctl, "quiet")
    if os.path.exists(quiet):
        os.unlink(quiet)
    images = [pm.image(b.follow, f"scale{i}") for i in range(ni)]
    out = {"containers": nc, "images": ni, "probes": SCALE_PROBES}
    ag = None
    try:
        t0 = time.monotonic()
        cids = [pm.run(images[i % ni], CTR_BIN, "loop", "50", str(SCALE_ALL_MS[b.smoke]),
                       "/ctl/quiet", volume=ctl) for i in range(nc)]
        out["containers_start_s"] = time.monotonic() - t0
        print(f"scale: {nc} containers of {ni} images started in "
              f"{out['containers_start_s']:.1f} s", flush=True)
        start_us = time.monotonic_ns() // 1000
        ag = Agent(b.at, b.tmp, "scale", scale_yaml(SCALE_PROBES), json_out=True)
        out["agent_ready_s"] = ag.ready_s
        recs = Records(ag.out)
        first, probes_seen, all_at = {}, {c: set() for c in cids}, {}
        deadline = time.monotonic() + 300
        while len(all_at) < nc and time.monotonic() < deadline:
            for rec in recs.new():
                c = rec.get("container_id")
                if c not in probes_seen:
                    continue
                t = rec["args"]["t"]
                first.setdefault(c, t)
                probes_seen[c].add(rec.get("probe_name"))
                if len(probes_seen[c]) == SCALE_PROBES and c not in all_at:
                    all_at[c] = t
            time.sleep(0.05)
        out["traced"] = len(first)
        out["all_probes_seen"] = len(all_at)
        if first:
            out["first_record_s"] = (min(first.values()) - start_us) / 1e6
            out["all_traced_s"] = (max(first.values()) - start_us) / 1e6 \
                if len(first) == nc else None
        if all_at:
            out["all_probes_s"] = (max(all_at.values()) - start_us) / 1e6 \
                if len(all_at) == nc else None
        out["follow_files"] = ag.metric("agent_trace_follow_files")
        out["follow_processes"] = ag.metric("agent_trace_follow_processes")
        print(f"scale: {len(first)}/{nc} traced, all {SCALE_PROBES} probes in {len(all_at)}; "
              f"{out.get('all_traced_s')} s, {out.get('all_probes_s')} s", flush=True)
        # Idle: the containers stop calling (they look for /ctl/quiet every 50 ms).
        with open(quiet, "w"):
            pass
        time.sleep(SWEEP_WAIT_S[b.smoke])
        out["rss_busy_mib"] = proc_rss_mib(ag.p.pid)
        c0, w0 = ag.cpu_s(), time.monotonic()
        time.sleep(idle_s)
        out["idle_cpu_s"] = ag.cpu_s() - c0
        out["idle_cpu_pct"] = out["idle_cpu_s"] * 100 / idle_s
        out["idle_s"] = time.monotonic() - w0
        out["idle_rss_mib"] = proc_rss_mib(ag.p.pid)
        print(f"scale: idle {out['idle_s']:.1f} s: agent cpu {out['idle_cpu_s']:.2f} s, "
              f"rss {out['idle_rss_mib']}", flush=True)
        # Reloads changing one probe (p199's argument name, back and forth).
        out["reload_s"] = []
        for r in range(reloads):
            with open(ag.yaml + ".tmp", "w") as f:
                f.write(scale_yaml(SCALE_PROBES, changed=r % 2 == 0))
            os.rename(ag.yaml + ".tmp", ag.yaml)
            n0 = ag.stderr().count("reload: 0 new, 1 changed")
            t1 = time.monotonic()
            ag.p.send_signal(signal.SIGHUP)
            while ag.stderr().count("reload: 0 new, 1 changed") <= n0 and \
                    time.monotonic() - t1 < 60:
                time.sleep(0.002)
            dt = time.monotonic() - t1
            if ag.stderr().count("reload: 0 new, 1 changed") <= n0:
                out["reload_error"] = "no reload line: " + ag.stderr()[-300:]
                break
            out["reload_s"].append(dt)
            print(f"scale: reload {r + 1}: {dt:.3f} s", flush=True)
            time.sleep(0.5)
        out["reload_s_median"] = med(out["reload_s"])
    finally:
        if ag:
            ag.stop()
        pm.cmd("rm", "-f", "-a", "-t", "0", check=False)
    return out


def untargeted_summary(rows):
    """Untargeted tracing against the floor and -p, from the interleaved rows: added ns per
    call (per exec for the exec chain), and the ratios measured in the same run."""
    by = {r["config"]: r for r in rows if "error" not in r}

    def added(name):
        return by.get(name, {}).get("added_ns")

    def ratio(a, b):
        return a / b if a is not None and b and b > 0 else None
    fl, fl_exit = added("getppid/floor"), added("getppid/floor sys_exit")
    p, a, u = (added(f"getppid/agent-trace -C file, {k}") for k in ("-p", "all", "unmatched"))
    ex = {k: added(f"exec/agent-trace -C file, {k}")
          for k in ("unmatched", "unmatched same name", "all")}
    mp, mu, mfl = added("malloc/agent-trace -C file, -p"), \
        added("malloc/agent-trace -C file, unmatched"), added("malloc/floor")
    return {
        "getppid": {"floor_ns": fl, "floor_sys_exit_ns": fl_exit, "p_ns": p, "all_ns": a,
                    "unmatched_ns": u, "all_x_floor": ratio(a, fl), "all_x_p": ratio(a, p),
                    "p_x_floor": ratio(p, fl), "unmatched_x_floor": ratio(u, fl)},
        "exec": {"bare_ns": by.get("exec/bare", {}).get("ns_per_event"),
                 "unmatched_ns": ex["unmatched"], "same_name_ns": ex["unmatched same name"],
                 "all_ns": ex["all"]},
        "malloc": {"floor_ns": mfl, "p_ns": mp, "unmatched_ns": mu,
                   "p_x_floor": ratio(mp, mfl), "unmatched_x_floor": ratio(mu, mfl)},
    }


def program_summary(programs):
    """Per configuration: its syscall programs' ns per call (sys_enter + sys_exit), the exec
    match's per exec, the function programs' (entry + return), and the first and last
    over the floor's empty programs on the same points."""
    def pair(progs, a, b):
        return progs[a]["ns"] + progs[b]["ns"] if a in progs and b in progs else None
    fl = {r["config"]: r["programs"] for r in programs if r["config"].endswith("/floor")}
    fsys = pair(fl.get("getppid/floor", {}), "floor_sys_enter", "floor_sys_exit")
    ffunc = pair(fl.get("malloc/floor", {}), "floor_entry", "floor_return")
    out = []
    for r in programs:
        p = r["programs"]
        if r["config"].endswith("/floor"):
            row = {"config": r["config"], "sys_ns": pair(p, "floor_sys_enter", "floor_sys_exit"),
                   "func_ns": pair(p, "floor_entry", "floor_return")}
        else:
            row = {"config": r["config"], "sys_ns": pair(p, "sys_enter", "sys_exit"),
                   "func_ns": pair(p, "func_entry", "func_return"),
                   "exec_ns": p.get("sched_process_exec", {}).get("ns")
                   if r["config"].startswith("exec/") else None}
            # A function probe alone loads no syscall programs to speak of.
            if r["config"].startswith("malloc/"):
                row["sys_ns"] = None
        row["sys_x_floor"] = row["sys_ns"] / fsys if row["sys_ns"] and fsys else None
        row["func_x_floor"] = row["func_ns"] / ffunc if row["func_ns"] and ffunc else None
        out.append(row)
    return out


def errors(rep):
    """The node-wide parts' errors, one line each (bench.py exits 1 on any)."""
    out = []
    for name in ("attach_delay", "containers", "scale"):
        v = rep.get(name)
        if not v:
            continue
        if "error" in v:
            out.append(f"{name}: {v['error']}")
        for k in ("runs", "new_image", "probed_image"):
            out += [f"{name} {k} round {x.get('round')}: {x['error']}" for x in v.get(k, [])
                    if "error" in x]
        if name == "scale" and "error" not in v:
            if v.get("all_probes_seen") != v.get("containers"):
                out.append(f"scale: {v.get('all_probes_seen')} of {v.get('containers')} "
                           "containers had every probe seen")
            if v.get("reload_error"):
                out.append("scale: " + v["reload_error"][:200])
    for r in rep.get("untargeted", {}).get("programs", []):
        if "error" in r:
            out.append(f"untargeted {r['config']}: {r['error']}")
    return out


def node_markdown(rep):
    """The node-wide sections of the report (issue 14)."""
    L = []
    un = rep.get("untargeted")
    if un:
        L += ["", "Untargeted tracing (issue 14): a probe file with one syscall probe (getppid, "
              "`action: count`) under `targets: {all: true}`, on one process (`-p`), and with "
              "`exe` targets that do not match the process (`unmatched`; `same name`: a "
              "target path whose file name is the process's, so every exec is a candidate "
              "the reader confirms and rejects); added cost over the bare loop (medians of "
              "the interleaved rounds above):", ""]
        sm = un.get("summary", {})
        g, e, m = sm.get("getppid", {}), sm.get("exec", {}), sm.get("malloc", {})
        L.append(f"- getppid, ns added per call: floor (sys_enter + sys_exit) "
                 f"{fmt(g.get('floor_ns'))}, `-p` {fmt(g.get('p_ns'))}, `all` "
                 f"{fmt(g.get('all_ns'))} ({fmt(g.get('all_x_floor'), '%.2f')}x floor, "
                 f"{fmt(g.get('all_x_p'), '%.2f')}x `-p`); a process no target matches "
                 f"{fmt(g.get('unmatched_ns'))} ({fmt(g.get('unmatched_x_floor'), '%.2f')}x "
                 "floor)")
        L.append(f"- exec chain (execve of itself, bare {fmt(e.get('bare_ns'))} ns an exec), "
                 f"ns added per exec: unmatched {fmt(e.get('unmatched_ns'))}, unmatched with "
                 f"the same file name {fmt(e.get('same_name_ns'))}, `all` "
                 f"{fmt(e.get('all_ns'))}")
        L.append(f"- libc malloc, ns added per call: floor (uprobe + uretprobe) "
                 f"{fmt(m.get('floor_ns'))}, `-p` {fmt(m.get('p_ns'))} "
                 f"({fmt(m.get('p_x_floor'), '%.2f')}x), a process no target matches while a "
                 f"traced one holds libc's links {fmt(m.get('unmatched_ns'))} "
                 f"({fmt(m.get('unmatched_x_floor'), '%.2f')}x floor)")
        ps = program_summary(un.get("programs", []))
        if ps:
            L += ["", "The same configurations' programs under bpf_stats (one more run each, "
                  "ns per call, the stats' own clock reads included; x floor: over the floor's "
                  "empty programs on the same points, run the same way):", "",
                  "| configuration | sys_enter + sys_exit | x floor | sched_process_exec "
                  "(per exec) | func_entry + func_return | x floor |", "|---|---|---|---|---|---|"]
            for r in ps:
                L.append(f"| {r['config']} | {fmt(r.get('sys_ns'))} | "
                         f"{fmt(r.get('sys_x_floor'), '%.2f')} | {fmt(r.get('exec_ns'))} | "
                         f"{fmt(r.get('func_ns'))} | {fmt(r.get('func_x_floor'), '%.2f')} |")
        for r in un.get("programs", []):
            progs = ", ".join(f"{k} {v['ns']:.0f} ns x {v['calls']}" for k, v in
                              sorted(r["programs"].items()))
            L.append(f"- bpf_stats, {r['config']}: {progs or r.get('error', '-')}")
    ad = rep.get("attach_delay")
    if ad:
        L += ["", "Attach delay of a binary replaced on disk (`cp` to a new file, `mv` over the "
              "probed path; `targets: {exe: [PATH]}`, a function probe on PATH; the new file "
              f"calls the probe every ~100 us for {ad.get('run_ms')} ms): from its main() to "
              "its first recorded call, over the rounds:", ""]
        if "error" in ad:
            L.append(f"- error: {ad['error']}")
        else:
            L.append(f"- {ad['rounds']} rounds: median {fmt(ad['delay_us_median'])} us, max "
                     f"{fmt(ad['delay_us_max'])} us; calls missed median "
                     f"{fmt(ad['missed_median'])}, max {fmt(ad['missed_max'])}; runs never "
                     f"seen: {ad['not_seen']}")
    ct = rep.get("containers")
    if ct:
        L += ["", "Containers (podman, runc): first exec in a new container to its first "
              "record, and the agent's CPU (/proc/PID/stat) per new process:", ""]
        if "error" in ct:
            L.append(f"- error: {ct['error']}")
        else:
            for kind, what in (("new_image", "a new image (its file attached at exec)"),
                               ("probed_image", "an image a running container holds attached")):
                s = ct[kind + "_summary"]
                L.append(f"- container of {what}: median {fmt(s['delay_us_median'])} us, max "
                         f"{fmt(s['delay_us_max'])} us, calls missed median "
                         f"{fmt(s['missed_median'])}; never seen: {s['not_seen']}")
            L.append(f"- {ct['spawn_n']} short processes (fork + exec) in a container: agent "
                     f"CPU {fmt(ct.get('traced_cpu_s_median'), '%.2f')} s matched by the exe "
                     f"target, {fmt(ct.get('untraced_cpu_s_median'), '%.2f')} s not: "
                     f"{fmt(ct.get('cpu_us_per_traced_process'))} us per traced process, "
                     f"{fmt(ct.get('cpu_us_per_untraced_process'))} us per untraced one, "
                     f"{fmt(ct.get('net_cpu_us_per_traced_process'))} us the difference; "
                     f"records of the short processes: {ct.get('records_of_short_processes')} "
                     f"(one per traced process: {ct.get('records_expected')})")
    sc = rep.get("scale")
    if sc:
        L += ["", "Scale: containers running bench/follow, 200 function probes under "
              "`targets: {exe: [...]}`, the agent started after them:", ""]
        if "error" in sc:
            L.append(f"- error: {sc['error']}")
        if "traced" in sc:
            L.append(f"- {sc['containers']} containers of {sc['images']} images (started in "
                     f"{fmt(sc.get('containers_start_s'), '%.1f')} s), {sc['probes']} probes: "
                     f"agent ready (/healthz) {fmt(sc.get('agent_ready_s'), '%.2f')} s; first "
                     f"record {fmt(sc.get('first_record_s'), '%.2f')} s, every container traced "
                     f"{fmt(sc.get('all_traced_s'), '%.2f')} s, every probe seen in every "
                     f"container {fmt(sc.get('all_probes_s'), '%.2f')} s after the agent's "
                     f"start ({sc['traced']} traced, {sc['all_probes_seen']} with every probe); "
                     f"follow: {fmt(sc.get('follow_processes'))} processes, "
                     f"{fmt(sc.get('follow_files'))} files")
        if "idle_cpu_s" in sc:
            L.append(f"- idle {sc['idle_s']:.1f} s: agent CPU {sc['idle_cpu_s']:.2f} s, RSS "
                     f"{sc['idle_rss_mib'].get('VmRSS', 0):.1f} MiB (peak "
                     f"{sc['idle_rss_mib'].get('VmHWM', 0):.1f})")
        if sc.get("reload_s"):
            L.append(f"- reload changing 1 probe of {sc['probes']}: median "
                     f"{sc['reload_s_median']:.3f} s "
                     f"({', '.join('%.3f' % x for x in sc['reload_s'])})")
        if sc.get("reload_error"):
            L.append(f"- reload error: {sc['reload_error']}")
    return L


def fmt(v, spec="%.0f"):
    return "-" if v is None else spec % v
