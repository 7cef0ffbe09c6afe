#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The DaemonSet's pod for `podman kube play` (Debian 12's podman 4.3 plays Pods and
# Deployments, not DaemonSets): the ConfigMap and a Pod holding the template of
# deploy/kubernetes/daemonset.yaml, unchanged but for what 4.3 cannot play and what a
# test on a shared machine must not touch, each below with its reason (README:
# Kubernetes, "Locally with podman"). On stdout, both in one stream, the ConfigMap
# first: kube play mounts it as the directory the kubelet would (one file per key).
#
# Usage: kube_pod.py [--deploy DIR] --node-name NAME --lock PATH --host-port PORT
#                    [--probe-file KEY=FILE]... >play.yaml
#
# Kept as they are, though podman 4.3 does not act on them:
#   hostPID: true      ignored by 4.3 (played from 4.5, containers/podman#17168). The
#                      player's containers.conf gives the pod's containers the host's pid
#                      namespace instead: [containers] pidns = "host" (test_kube.c's).
#   tolerations, priorityClassName, readinessProbe, terminationGracePeriodSeconds
#                      not read by 4.3 (no scheduler, no Service; `podman pod rm -t`
#                      bounds a stop).
#   livenessProbe      4.3 makes it a healthcheck, `curl -f http://localhost:9464/healthz`
#                      in the container, run by systemd timers: with no systemd none runs
#                      (nor could it: the image has no curl); the test asks /healthz.
import argparse
import copy
import os
import sys

import yaml

DAEMONSET = "daemonset.yaml"
CONFIGMAP = "configmap.yaml"
NODE_NAME = "NODE_NAME"
METRICS_PORT = "metrics"
LOCK_VOLUME = "lock"


class Refused(Exception):
    pass


def load_one(path, kind):
    try:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        raise Refused(f"{path}: {e}".replace("\n", " "))
    if len(docs) != 1 or docs[0].get("kind") != kind:
        raise Refused(f"{path}: expected one {kind}")
    return docs[0]


def container(spec):
    if len(spec.get("containers", [])) != 1:
        raise Refused(f"{DAEMONSET}: expected one container in the pod template")
    return spec["containers"][0]


def node_name_value(c, node):
    # podman 4.3 resolves fieldRef for metadata.name, metadata.uid, labels and annotations
    # only, and refuses the rest ("fieldPath spec.nodeName is either not valid or not
    # supported"): the value the kubelet would give it, the node's name, written in.
    for e in c.get("env", []):
        if e.get("name") == NODE_NAME:
            ref = e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
            if ref != "spec.nodeName":
                raise Refused(f"{DAEMONSET}: {NODE_NAME} is not from spec.nodeName")
            e.pop("valueFrom")
            e["value"] = node
            return
    raise Refused(f"{DAEMONSET}: no {NODE_NAME} in the container's env")


def metrics_host_port(c, port):
    # podman 4.3 publishes every containerPort on the host, on the same port number when
    # hostPort is not given (Kubernetes publishes none without hostPort): a port the
    # caller picked, so that a fixed 9464 on the host is neither needed nor taken.
    for p in c.get("ports", []):
        if p.get("name") == METRICS_PORT:
            p["hostPort"] = port
            return
    raise Refused(f"{DAEMONSET}: no port named {METRICS_PORT}")


def lock_path(spec, lock):
    # Not a podman matter: the node's /run/agent-trace.lock belongs to the agent of this
    # machine (a daemon on the host, another test's pod); the pod takes the caller's file,
    # at the same mount point in the container.
    for v in spec.get("volumes", []):
        if v.get("name") == LOCK_VOLUME and "hostPath" in v:
            v["hostPath"]["path"] = lock
            return
    raise Refused(f"{DAEMONSET}: no hostPath volume named {LOCK_VOLUME}")


def add_probe_files(cm, files):
    # Files beside the ConfigMap's own (which stay as they are): the daemon merges the
    # directory, so a test's file can name its workload. Not podman's doing either.
    for key, text in files:
        if key in cm.get("data", {}):
            raise Refused(f"--probe-file {key}: the ConfigMap already has that key")
        cm.setdefault("data", {})[key] = text


def build(deploy, node, lock, port, files=()):
    """The ConfigMap and the Pod, as dicts."""
    ds = load_one(os.path.join(deploy, DAEMONSET), "DaemonSet")
    cm = load_one(os.path.join(deploy, CONFIGMAP), "ConfigMap")
    tmpl = copy.deepcopy(ds["spec"]["template"])
    meta = tmpl.get("metadata", {})
    # A DaemonSet's pod is named after it (the controller adds a suffix); podman names
    # the container POD-CONTAINER: agent-trace-agent-trace.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": ds["metadata"]["name"],
            "namespace": ds["metadata"].get("namespace"),
            **meta,
        },
        "spec": tmpl["spec"],
    }
    c = container(pod["spec"])
    node_name_value(c, node)
    metrics_host_port(c, port)
    lock_path(pod["spec"], lock)
    add_probe_files(cm, files)
    return cm, pod


def literal(dumper, s):
    # The probe files as the ConfigMap writes them, blocks of lines, not quoted strings.
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="The DaemonSet's pod for podman kube play 4.3")
    ap.add_argument("--deploy", default=os.path.join(here, "..", "..", "deploy", "kubernetes"))
    ap.add_argument("--node-name", required=True)
    ap.add_argument("--lock", required=True, help="the host file mounted at the lock path")
    ap.add_argument("--host-port", type=int, required=True)
    ap.add_argument("--probe-file", action="append", default=[], metavar="KEY=FILE")
    a = ap.parse_args()
    files = []
    try:
        for kv in a.probe_file:
            key, sep, path = kv.partition("=")
            if not sep or not key.endswith(".yaml"):
                raise Refused(f"--probe-file {kv}: expected KEY.yaml=FILE")
            try:
                with open(path) as f:
                    files.append((key, f.read()))
            except OSError as e:
                raise Refused(f"--probe-file {kv}: {e.strerror}")
        cm, pod = build(a.deploy, a.node_name, a.lock, a.host_port, files)
    except Refused as e:
        print(f"kube_pod: {e}", file=sys.stderr)
        return 1
    yaml.SafeDumper.add_representer(str, literal)
    yaml.safe_dump_all([cm, pod], sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
