#!/usr/bin/env python3
"""
clients/php/receiver.php, under PHP's built-in web server, against real
deliveries (receivers.py).  SKIPs without php (apt-get install php-cli).
"""
import os
import shutil

from clientharness import CLIENTS
import receivers

RECEIVER = os.path.join(CLIENTS, "php", "receiver.php")

if __name__ == "__main__":
    skip = None if shutil.which("php") else "no php (apt-get install php-cli)"
    raise SystemExit(receivers.run(
        lambda port: ["php", "-S", "127.0.0.1:%d" % port, RECEIVER], skip=skip))
