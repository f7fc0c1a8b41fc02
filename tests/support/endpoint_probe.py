"""A child for `exec` tests: asks the credential endpoint what the test says, with Python's own
HTTP client (http.client), and prints what it saw as one JSON object on stdout.

argv[1]: a JSON list of requests, each an object with
  route    "app" (IDENTITY_ENDPOINT, sends X-IDENTITY-HEADER unless "secret" says otherwise)
           or "imds" (ARM_MSI_ENDPOINT, sends Metadata: true unless "metadata" is false)
  resource the resource parameter (omitted when null)
  query    more query text, appended as is
  secret   the X-IDENTITY-HEADER value to send instead (null: none)
  headers  more headers {name: value}
  host     the Host header to send instead (null: none)
  method   default GET
  path     a path to use instead of the route's
  raw      bytes to send as they are on a new connection (the whole request); the reply's status is read
  times    send it this many times (default 1), one after another on one connection
  parallel send it this many times at once, each on its own connection
Output: {"env": {name: value or null for the variables named in ENV}, "results": [[{status, body}, ...], ...]}
"""
import http.client
import json
import os
import socket
import sys
import threading
import urllib.parse

ENV = [
    "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "ARM_MSI_ENDPOINT", "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_USERNAME", "AZURE_PASSWORD", "ENTRA_AUTH_CACHE_KEY", "MSI_ENDPOINT", "MSI_SECRET",
    "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT", "ARM_CLIENT_SECRET", "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID", "ENTRA_AUTH_AZ_ACCOUNT", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL", "SYSTEM_ACCESSTOKEN", "GITHUB_ACTIONS", "AZURE_ID_TOKEN",
    "ENTRA_AUTH_FEDERATED_TOKEN_ENV", "ARM_CLIENT_CERTIFICATE_PATH", "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_OIDC_TOKEN", "ARM_OIDC_TOKEN_FILE_PATH",
]
UNSET = object()


def target(spec):
    if spec.get("route", "app") == "imds":
        url = urllib.parse.urlsplit(os.environ["ARM_MSI_ENDPOINT"])
        query = "api-version=2018-02-01"
    else:
        url = urllib.parse.urlsplit(os.environ["IDENTITY_ENDPOINT"])
        query = "api-version=2019-08-01"
    if spec.get("resource") is not None:
        query += "&resource=" + urllib.parse.quote(spec["resource"], safe="")
    query += spec.get("query", "")
    return url.hostname, url.port, spec.get("path", url.path) + "?" + query


def ask(conn, spec):
    host, port, path = target(spec)
    conn.putrequest(spec.get("method", "GET"), path, skip_host=True, skip_accept_encoding=True)
    sent_host = spec.get("host", UNSET)
    if sent_host is UNSET:
        sent_host = f"{host}:{port}"
    if sent_host is not None:
        conn.putheader("Host", sent_host)
    if spec.get("route", "app") == "imds":
        if spec.get("metadata", True):
            conn.putheader("Metadata", "true")
    else:
        secret = spec.get("secret", UNSET)
        if secret is UNSET:
            secret = os.environ["IDENTITY_HEADER"]
        if secret is not None:
            conn.putheader("X-IDENTITY-HEADER", secret)
    for name, value in spec.get("headers", {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    return reply(response.status, response.read())


def reply(status, data):
    try:
        body = json.loads(data)
    except ValueError:
        body = data.decode("utf-8", "replace")
    return {"status": status, "body": body}


def raw(spec):
    host, port, _ = target(spec)
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(spec["raw"].encode("latin-1"))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return reply(int(head.split(b" ")[1]), body)


def run(spec):
    if "raw" in spec:
        return [raw(spec)]
    if spec.get("parallel"):
        out = [None] * spec["parallel"]

        def one(i):
            host, port, _ = target(spec)
            out[i] = ask(http.client.HTTPConnection(host, port, timeout=60), spec)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(spec["parallel"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out
    host, port, _ = target(spec)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    return [ask(conn, spec) for _ in range(spec.get("times", 1))]


def main():
    specs = json.loads(sys.argv[1])
    env = {name: os.environ.get(name) for name in ENV}
    print(json.dumps({"env": env, "results": [run(spec) for spec in specs]}))


if __name__ == "__main__":
    main()
