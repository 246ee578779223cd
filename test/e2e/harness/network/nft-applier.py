"""Applies nftables rulesets inside network namespaces for the e2e harness's network.

One long-lived process instead of one `nsenter ... nft -f` per namespace and change: an nft run
mostly waits for the kernel to commit, so a pool of worker processes, each entering the target
namespace with setns(2) and using libnftables (Debian's python3-nftables), apply many namespaces'
rules at once without forking the (large) harness process each time. Processes, not threads:
libnftables keeps global state that concurrent contexts in one process corrupt.

Protocol (JSON lines): stdin {"id": 1, "netns": "sk8s-...-p3" or null for the node, "text": "..."};
stdout {"id": 1, "error": null or "nft's message"}. Exits when stdin closes.
"""
import ctypes
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import nftables

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)
node_fd = os.open("/proc/self/ns/net", os.O_RDONLY)  # the namespace the harness runs in


def enter(netns):
    """Moves the calling (single-threaded worker) process into the pod's namespace, or back to the node's."""
    fd = node_fd if netns is None else os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {netns or 'the node namespace'}")
    finally:
        if fd != node_fd:
            os.close(fd)


def apply(netns, text):
    """Runs in a worker process; returns nft's error message or None."""
    try:
        enter(netns)
        nft = nftables.Nftables()  # its netlink socket opens in the process's current namespace
        rc, _, err = nft.cmd(text)
        del nft
        return None if rc == 0 else (err.strip() or f"nft exited {rc}")
    except OSError as e:
        return str(e)


def report(job_id, future):
    error = future.result() if future.exception() is None else f"applier worker failed: {future.exception()}"
    sys.stdout.write(json.dumps({"id": job_id, "error": error}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin:
            if line.strip():
                job = json.loads(line)
                pool.submit(apply, job["netns"], job["text"]).add_done_callback(lambda f, i=job["id"]: report(i, f))
