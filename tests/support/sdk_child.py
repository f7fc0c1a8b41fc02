#!/usr/bin/env python3
"""Microsoft's Python azure-identity as the child of `entra-auth-cli exec` (tests/it/exec_sdk.rs).

    sdk_child.py MODE [--calls N] [--exit CODE] SCOPE [SCOPE...]

MODE: `mi` (ManagedIdentityCredential), `dac` (DefaultAzureCredential without the interactive and
developer-tool credentials, so it can only pick environment, workload identity or managed
identity), `cli` (AzureCliCredential: runs the `az` first on PATH).

For each scope, makes a new credential N times (default 5) and calls get_token on it, so each
call reaches the endpoint (or `az`) instead of the credential's own cache. Prints one JSON line:
  {"tokens":[{"scope":S,"token":T,"expires_on":E,"distinct":D}...], "calls":N,
   "picked":[credential names DefaultAzureCredential reported], "env_seen":[removed variables present]}
and exits with CODE (default 0). On an SDK error: the error on stderr, exit 1.
"""

import json
import logging
import os
import sys

# The variables exec must remove from the child's environment (the exec contract).
REMOVED = [
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "ENTRA_AUTH_CACHE_KEY",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "IDENTITY_SERVER_THUMBPRINT",
    # A CI job's request tokens (GitHub Actions, Azure Pipelines).
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "SYSTEM_ACCESSTOKEN",
]


class Picked(logging.Handler):
    """Collects the "<chain> acquired a token from <credential>" records azure-identity logs."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.names = []

    def emit(self, record):
        message = record.getMessage()
        marker = " acquired a token from "
        if marker in message:
            self.names.append(message.split(marker, 1)[1].strip())


def credential(mode):
    from azure.identity import AzureCliCredential, DefaultAzureCredential, ManagedIdentityCredential

    if mode == "mi":
        return ManagedIdentityCredential()
    if mode == "cli":
        return AzureCliCredential()
    if mode == "dac":
        return DefaultAzureCredential(
            exclude_interactive_browser_credential=True,
            exclude_shared_token_cache_credential=True,
            exclude_visual_studio_code_credential=True,
            exclude_cli_credential=True,
            exclude_developer_cli_credential=True,
            exclude_powershell_credential=True,
            exclude_broker_credential=True,
        )
    raise SystemExit(f"sdk_child.py: unknown mode {mode!r} (mi, dac, cli)")


def parse(argv):
    if not argv:
        raise SystemExit(__doc__)
    mode, rest = argv[0], argv[1:]
    calls, exit_code, scopes = 5, 0, []
    while rest:
        arg = rest.pop(0)
        if arg in ("--calls", "--exit") and rest:
            value = int(rest.pop(0))
            if arg == "--calls":
                calls = value
            else:
                exit_code = value
        else:
            scopes.append(arg)
    if not scopes or calls < 1:
        raise SystemExit(__doc__)
    return mode, calls, exit_code, scopes


def main(argv):
    mode, calls, exit_code, scopes = parse(argv)
    picked = Picked()
    logger = logging.getLogger("azure.identity")
    logger.setLevel(logging.INFO)
    logger.addHandler(picked)
    logger.propagate = False
    try:
        tokens = []
        for scope in scopes:
            seen = set()
            last = None
            for _ in range(calls):
                cred = credential(mode)
                try:
                    last = cred.get_token(scope)
                finally:
                    cred.close()
                seen.add(last.token)
            tokens.append(
                {"scope": scope, "token": last.token, "expires_on": last.expires_on, "distinct": len(seen)}
            )
    except Exception as error:  # noqa: BLE001 - the SDK's error is the report
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    report = {
        "tokens": tokens,
        "calls": calls,
        "picked": sorted(set(picked.names)),
        "env_seen": [name for name in REMOVED if name in os.environ],
    }
    print(json.dumps(report, separators=(",", ":")))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
