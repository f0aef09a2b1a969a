"""
The web console in a real browser, as test_console.py, with Apache and the
shipped apache-dq.conf in front instead of nginx.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_console import main  # noqa: E402  (puts dqtest on the path)
from dqtest import APACHE  # noqa: E402

if __name__ == "__main__":
    if not os.access(APACHE, os.X_OK):
        print("1..0 # SKIP no %s (apt-get install apache2-bin)" % APACHE)
        sys.exit(0)
    sys.exit(main("apache"))
