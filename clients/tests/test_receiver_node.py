#!/usr/bin/env python3
"""
clients/node/receiver.mjs, with the standardwebhooks package, against real
deliveries (receivers.py).  SKIPs without node, or without
clients/node/node_modules (npm ci there; ./quickstart.sh test does).
"""
import os
import shutil

from clientharness import CLIENTS
import receivers

NODE_DIR = os.path.join(CLIENTS, "node")


def skip_reason():
    if not shutil.which("node"):
        return "no node (apt-get install nodejs)"
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "standardwebhooks")):
        return "standardwebhooks not installed (npm ci in clients/node)"
    return None


if __name__ == "__main__":
    raise SystemExit(receivers.run(
        lambda port: ["node", os.path.join(NODE_DIR, "receiver.mjs"), str(port)],
        skip=skip_reason()))
