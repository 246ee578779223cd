"""Applies nftables rulesets inside network namespaces for the e2e harness's network.

One long-lived process instead of one `nsenter ... nft -f` per namespace and change: an nft run
mostly waits for the kernel to commit, so several threads, each entering the target namespace
with setns(2) and using libnftables (Debian's python3-nftables), apply many namespaces' rules at
once without forking the (large) harness process each time.

Protocol (JSON lines): stdin {"id": 1, "netns": "sk8s-...-p3" or null for the node, "text": "..."};
stdout {"id": 1, "error": null or "nft's message"}. Exits when stdin closes.
"""
import ctypes
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import nftables

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)
node_fd = os.open("/proc/self/ns/net", os.O_RDONLY)  # the namespace the harness runs in
out_lock = threading.Lock()


def enter(netns):
    """Moves the calling thread into the pod's namespace (or back to the node's)."""
    fd = node_fd if netns is None else os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {netns or 'the node namespace'}")
    finally:
        if fd != node_fd:
            os.close(fd)


def apply(job):
    error = None
    try:
        enter(job["netns"])
        nft = nftables.Nftables()  # its netlink socket opens in the thread's current namespace
        rc, _, err = nft.cmd(job["text"])
        if rc != 0:
            error = err.strip() or f"nft exited {rc}"
    except OSError as e:
        error = str(e)
    with out_lock:
        sys.stdout.write(json.dumps({"id": job["id"], "error": error}) + "\n")
        sys.stdout.flush()


with ThreadPoolExecutor(max_workers=8) as pool:
    for line in sys.stdin:
        if line.strip():
            pool.submit(apply, json.loads(line))
