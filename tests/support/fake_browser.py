#!/usr/bin/env python3
"""A stand-in for the user's browser in hermetic CLI tests: set `BROWSER=<this file>`.

Called as `fake_browser.py URL`, it starts a detached copy of itself (new session, stdio on
/dev/null, so it never holds the caller's pipes open) and exits 0 at once, as a real browser
launcher does. The copy then plays the user who approves the sign-in:

1. GET URL without following redirects.
2. A redirect (301/302/303/307/308) -> GET its Location (the CLI's loopback listener).
   A 200 HTML page with a form (Entra's auto-submitting `response_mode=form_post` page) ->
   POST the form's hidden inputs, urlencoded, to its action.
3. If `$FAKE_BROWSER_LOG` is set, append one line: `<status> <url>` (the final response's status
   and the URL of that request), or `error <url> <message>` when a request failed or was refused.

Only http://127.0.0.1 and http://localhost are ever contacted; any other URL is refused.
`FAKE_BROWSER_FOREGROUND=1` skips the detaching (for debugging). Python 3 standard library only.
"""

import html.parser
import http.client
import os
import subprocess
import sys
import urllib.parse

ALLOWED_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_SECS = 30
REDIRECTS = {301, 302, 303, 307, 308}
CHILD_MARKER = "FAKE_BROWSER_CHILD"


class FormFinder(html.parser.HTMLParser):
    """The first form's method and action, and its hidden inputs in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.action = None
        self.method = None
        self.fields = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and not self._in_form:
            self._in_form = True
            self.action = attrs.get("action") or ""
            self.method = (attrs.get("method") or "get").lower()
        elif tag == "input" and self._in_form:
            if (attrs.get("type") or "").lower() == "hidden" and attrs.get("name"):
                self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


class Refused(Exception):
    pass


def log(line):
    path = os.environ.get("FAKE_BROWSER_LOG")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def request(method, url, body=None, headers=None):
    """One HTTP request to a loopback URL; returns (status, headers, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        raise Refused("not a loopback http URL")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT_SECS)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def browse(url):
    status, headers, body = request("GET", url, headers={"Accept": "text/html"})
    if status in REDIRECTS and headers.get("Location"):
        target = urllib.parse.urljoin(url, headers["Location"])
        # A browser never sends the fragment; the listener only sees the query.
        target = urllib.parse.urldefrag(target)[0]
        status, _, _ = request("GET", target, headers={"Accept": "text/html"})
        return status, target
    content_type = headers.get("Content-Type", "")
    if status == 200 and "html" in content_type:
        form = FormFinder()
        form.feed(body.decode("utf-8", errors="replace"))
        if form.action is not None and form.method == "post":
            target = urllib.parse.urljoin(url, form.action)
            encoded = urllib.parse.urlencode(form.fields).encode("ascii")
            status, _, _ = request(
                "POST",
                target,
                body=encoded,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            return status, target
    return status, url


def run(url):
    try:
        status, final_url = browse(url)
        log(f"{status} {final_url}")
    except Refused as e:
        log(f"error {url} refused: {e}")
    except Exception as e:  # noqa: BLE001 - any failure is reported in the log
        log(f"error {url} {type(e).__name__}: {e}")


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: fake_browser.py URL\n")
        return 2
    url = argv[1]
    if os.environ.get(CHILD_MARKER) == "1" or os.environ.get("FAKE_BROWSER_FOREGROUND") == "1":
        run(url)
        return 0
    env = dict(os.environ, **{CHILD_MARKER: "1"})
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=env,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
