#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Checks deploy/kubernetes: every file parses, the DaemonSets follow the node-agent
# conventions (README: Kubernetes), the ConfigMap's probe files pass agent-trace --check.
import argparse
import copy
import os
import subprocess
import sys
import tempfile

import yaml

ARGS = ["daemon", "--config-dir", "/etc/agent-trace", "--metrics", "0.0.0.0:9464"]
CAPS = {"BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_RESOURCE"}
PORT = 9464
IMAGE = "localhost/agent-trace:latest"
# The daemon's default --lock-file: the node's file, so the lock holds node-wide.
LOCK = "/run/agent-trace.lock"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def load(dirname):
    docs = {}
    for name in sorted(os.listdir(dirname)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(dirname, name)) as f:
            try:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
            except yaml.YAMLError as e:
                failures.append(f"{name}: does not parse: {e}")
    return docs


def one(docs, name, kind):
    got = docs.get(name, [])
    check(len(got) == 1 and got[0].get("kind") == kind, f"{name}: one {kind}")
    return got[0] if got else {}


def check_daemonset(name, ds, cm, privileged):
    where = name + ": "
    check(ds.get("apiVersion") == "apps/v1", where + "apiVersion apps/v1")
    check(ds["metadata"].get("namespace") == "agent-trace", where + "namespace agent-trace")
    spec = ds["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    check(
        spec["selector"]["matchLabels"].items() <= labels.items(),
        where + "the selector matches the template's labels",
    )
    check(pod.get("hostPID") is True, where + "hostPID: true")
    check(pod.get("terminationGracePeriodSeconds") == 30, where + "terminationGracePeriod 30 s")
    tol = pod.get("tolerations", [])
    check(
        any(t.get("operator") == "Exists" and "key" not in t and "effect" not in t for t in tol),
        where + "a toleration of every taint (operator: Exists, no key, no effect)",
    )
    check(len(pod["containers"]) == 1, where + "one container")
    c = pod["containers"][0]
    check(c.get("image") == IMAGE, where + f"image {IMAGE}")
    check(c.get("imagePullPolicy") == "Never", where + "imagePullPolicy: Never")
    check(c.get("args") == ARGS and "command" not in c, where + f"args {ARGS}, no command")
    env = {e["name"]: e for e in c.get("env", [])}
    check(
        env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        == "spec.nodeName",
        where + "NODE_NAME from the fieldRef spec.nodeName",
    )
    check(
        any(p.get("containerPort") == PORT for p in c.get("ports", [])),
        where + f"containerPort {PORT}",
    )
    for probe in ("livenessProbe", "readinessProbe"):
        http = c.get(probe, {}).get("httpGet", {})
        check(
            http.get("path") == "/healthz" and http.get("port") == PORT,
            where + f"{probe} on /healthz:{PORT}",
        )
    res = c.get("resources", {})
    for k in ("requests", "limits"):
        check({"cpu", "memory"} <= set(res.get(k, {})), where + f"resources.{k} cpu and memory")

    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    for v in vols:
        check(any(m["name"] == v for m in mounts.values()), where + f"volume {v} is mounted")
    for path, m in mounts.items():
        if path != LOCK:
            check(m.get("readOnly") is True, where + f"{path} mounted read-only")
        check("subPath" not in m, where + f"{path}: no subPath (it never updates)")
    host = {}
    for path, m in mounts.items():
        hp = vols.get(m["name"], {}).get("hostPath", {}).get("path")
        if hp:
            host[hp] = path
    check("/proc" in host, where + "the host's /proc mounted")
    for same in ("/sys/fs/cgroup", "/sys/kernel/btf"):
        check(host.get(same) == same, where + f"the host's {same} at {same}")
    check(host.get(LOCK) == LOCK, where + f"the host's {LOCK} at {LOCK} (one daemon a node)")
    cfg = mounts.get("/etc/agent-trace", {})
    check(
        vols.get(cfg.get("name"), {}).get("configMap", {}).get("name") == cm["metadata"]["name"],
        where + "the ConfigMap mounted as a directory at /etc/agent-trace",
    )
    sc = c.get("securityContext", {})
    if privileged:
        check(sc.get("privileged") is True, where + "privileged: true")
    else:
        check(not sc.get("privileged"), where + "not privileged")
        caps = sc.get("capabilities", {})
        check(caps.get("drop") == ["ALL"], where + "capabilities drop ALL")
        check(set(caps.get("add", [])) == CAPS, where + f"capabilities add exactly {sorted(CAPS)}")
    return labels


def check_kube_pod(dirname, ds, cm):
    """kube_pod.py (what test_kube.c plays) changes the template only where it says."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import kube_pod

    try:
        got_cm, pod = kube_pod.build(dirname, "node-1", "/tmp/lock", 19464)
    except kube_pod.Refused as e:
        failures.append(f"kube_pod: {e}")
        return
    tmpl = ds["spec"]["template"]
    c = pod["spec"]["containers"][0]
    env = {e["name"]: e for e in c.get("env", [])}
    check(env.get("NODE_NAME", {}).get("value") == "node-1", "kube_pod: NODE_NAME's value")
    # Undone, the three changes leave the template itself.
    env["NODE_NAME"].pop("value", None)
    env["NODE_NAME"]["valueFrom"] = {"fieldRef": {"fieldPath": "spec.nodeName"}}
    for p in c.get("ports", []):
        p.pop("hostPort", None)
    for v in pod["spec"].get("volumes", []):
        if v["name"] == "lock":
            v["hostPath"]["path"] = LOCK
    check(pod["spec"] == tmpl["spec"], "kube_pod: the Pod's spec is the template's but for "
          "NODE_NAME, the metrics hostPort and the lock's host path")
    check(pod["metadata"]["labels"] == tmpl["metadata"]["labels"]
          and pod["metadata"]["annotations"] == tmpl["metadata"]["annotations"],
          "kube_pod: the template's labels and annotations")
    check(got_cm == cm, "kube_pod: the ConfigMap unchanged")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True, help="build/agent-trace, for --check")
    ap.add_argument("dir")
    a = ap.parse_args()
    docs = load(a.dir)
    check(
        set(docs)
        == {
            "namespace.yaml",
            "configmap.yaml",
            "daemonset.yaml",
            "daemonset-least-privilege.yaml",
            "service.yaml",
        },
        f"{a.dir}: the five manifests, got {sorted(docs)}",
    )
    if failures:
        return report()
    ns = one(docs, "namespace.yaml", "Namespace")
    check(ns["metadata"]["name"] == "agent-trace", "namespace.yaml: agent-trace")
    cm = one(docs, "configmap.yaml", "ConfigMap")
    labels = check_daemonset("daemonset.yaml", one(docs, "daemonset.yaml", "DaemonSet"), cm, True)
    ds = one(docs, "daemonset.yaml", "DaemonSet")
    lp = one(docs, "daemonset-least-privilege.yaml", "DaemonSet")
    check_daemonset("daemonset-least-privilege.yaml", lp, cm, False)
    # The two differ in their container's securityContext alone.
    same = [copy.deepcopy(d) for d in (ds, lp)]
    for d in same:
        d["spec"]["template"]["spec"]["containers"][0].pop("securityContext", None)
    why = "daemonset-least-privilege.yaml: as daemonset.yaml, securityContext aside"
    check(same[0] == same[1], why)

    svc = one(docs, "service.yaml", "Service")
    ann = svc["metadata"].get("annotations", {})
    check(
        ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(PORT)
        and ann.get("prometheus.io/path") == "/metrics",
        "service.yaml: prometheus.io annotations (scrape, port, path)",
    )
    sel = svc["spec"].get("selector", {})
    check(sel and sel.items() <= labels.items(), "service.yaml: selects the DaemonSet's pods")
    ports = svc["spec"].get("ports", [])
    check(any(p.get("port") == PORT for p in ports), f"service.yaml: port {PORT}")

    check_kube_pod(a.dir, ds, cm)

    files = {k: v for k, v in cm.get("data", {}).items() if k.endswith(".yaml")}
    check(files, "configmap.yaml: at least one *.yaml probe file")
    with tempfile.TemporaryDirectory() as d:
        for name, text in files.items():
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run([a.agent, "--check", path], capture_output=True, text=True)
            check(r.returncode == 0, f"configmap.yaml: {name}: --check: {r.stdout}{r.stderr}")
    return report(len(docs))


def report(n=0):
    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    if failures:
        print(f"deploy manifests: {len(failures)} checks failed", file=sys.stderr)
        return 1
    print(f"deploy manifests: {n} files parse and follow the conventions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
