#!/usr/bin/env python3
"""clients/python/receiver.py against real deliveries (receivers.py)."""
import os
import sys

from clientharness import CLIENTS
import receivers

RECEIVER = os.path.join(CLIENTS, "python", "receiver.py")

if __name__ == "__main__":
    raise SystemExit(receivers.run(lambda port: [sys.executable, RECEIVER, str(port)]))
