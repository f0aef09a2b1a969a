#!/usr/bin/env python3
"""
What every install path serves at /ui/, through its real web server: the
console's page and a module script, byte for byte this tree's www/, with
their content types and the console's security headers; /ui redirected to
/ui/; and the API beside it at /v1/ for the same key.  The integration
tests import it (check(base_url, key)); the package tests run it:

    python3 tests/integration/consolecheck.py http://127.0.0.1:PORT KEY

which prints what it checked and exits 1 at the first difference.
"""
import http.client
import os
import sys
import urllib.parse

WWW = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "www")

# The console runs only its own files and talks only to its own origin.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
# path under /ui/, file under www/, content type
FILES = (
    ("", "index.html", "text/html; charset=utf-8"),
    ("js/main.js", "js/main.js", "text/javascript; charset=utf-8"),
)
API_TYPE = "application/json; charset=utf-8"


def get(base, path, key=None):
    """(status, {lowercased header: value}, body bytes) of GET base+path."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    conn.request("GET", path, headers={"Authorization": "Bearer " + key} if key else {})
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def same_type(got, want):
    return (got or "").replace(" ", "").lower() == want.replace(" ", "").lower()


def check(base, key, say=lambda line: None):
    """Raise AssertionError at the first thing base serves wrong."""
    for path, name, ctype in FILES:
        status, headers, body = get(base, "/ui/" + path)
        what = "GET /ui/" + path
        if status != 200:
            raise AssertionError("%s: status %d, want 200" % (what, status))
        if not same_type(headers.get("content-type"), ctype):
            raise AssertionError("%s: Content-Type %r, want %r"
                                 % (what, headers.get("content-type"), ctype))
        for header, value in HEADERS.items():
            if headers.get(header.lower()) != value:
                raise AssertionError("%s: %s %r, want %r"
                                     % (what, header, headers.get(header.lower()), value))
        with open(os.path.join(WWW, name), "rb") as f:
            if body != f.read():
                raise AssertionError("%s: not www/%s (%d bytes)" % (what, name, len(body)))
        say("%s: 200 %s, www/%s, with %s" % (what, ctype, name, ", ".join(HEADERS)))
    status, headers, _ = get(base, "/ui")
    if status != 301 or not headers.get("location", "").endswith("/ui/"):
        raise AssertionError("GET /ui: %d to %r, want 301 to /ui/"
                             % (status, headers.get("location")))
    say("GET /ui: 301 to %s" % headers["location"])
    for k, want in ((key, 200), (None, 401)):
        status, headers, _ = get(base, "/v1/jobs", k)
        if status != want or not same_type(headers.get("content-type"), API_TYPE):
            raise AssertionError("GET /v1/jobs %s the key: %d %r, want %d %s"
                                 % ("with" if k else "without", status,
                                    headers.get("content-type"), want, API_TYPE))
        say("GET /v1/jobs %s the key: %d %s" % ("with" if k else "without", want, API_TYPE))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: consolecheck.py BASE_URL API_KEY")
    try:
        check(sys.argv[1], sys.argv[2], print)
    except (AssertionError, OSError) as e:
        print("console check failed: %s" % e)
        sys.exit(1)
