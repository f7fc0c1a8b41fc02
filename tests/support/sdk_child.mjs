// Microsoft's JS @azure/identity as the child of `entra-auth-cli exec` (tests/it/exec_sdk.rs).
//
//     node sdk_child.mjs MODE [--calls N] [--exit CODE] SCOPE [SCOPE...]
//
// MODE: `mi` (ManagedIdentityCredential) or `dac` (DefaultAzureCredential, as shipped: the JS SDK
// has no per-credential exclusions; AZURE_TOKEN_CREDENTIALS is left alone). The package comes from
// tests/peers/azure-identity-js (`npm ci` there; .ci/run does it).
//
// For each scope, makes a new credential N times (default 5) and calls getToken on it (msal-node
// keeps managed-identity tokens in a cache all its credentials share, so only the first call per
// scope reaches the endpoint). Prints one JSON line:
//   {"tokens":[{"scope":S,"token":T,"expires_on":E,"distinct":D}...], "calls":N,
//    "picked":[credential names the chain reported], "env_seen":[removed variables present]}
// (expires_on in epoch seconds) and exits with CODE (default 0). On an SDK error: the error on
// stderr, exit 1.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const peer = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "peers", "azure-identity-js");
const require = createRequire(path.join(peer, "package.json"));

// The variables exec must remove from the child's environment (the exec contract).
const REMOVED = [
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
  // A CI job's request tokens (GitHub Actions, Azure Pipelines).
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "SYSTEM_ACCESSTOKEN",
];

function usage() {
  process.stderr.write("usage: sdk_child.mjs mi|dac [--calls N] [--exit CODE] SCOPE [SCOPE...]\n");
  process.exit(2);
}

function parse(argv) {
  const [mode, ...rest] = argv;
  let calls = 5;
  let exitCode = 0;
  const scopes = [];
  while (rest.length > 0) {
    const arg = rest.shift();
    if ((arg === "--calls" || arg === "--exit") && rest.length > 0) {
      const value = Number.parseInt(rest.shift(), 10);
      if (!Number.isInteger(value)) usage();
      if (arg === "--calls") calls = value;
      else exitCode = value;
    } else {
      scopes.push(arg);
    }
  }
  if (!["mi", "dac"].includes(mode) || scopes.length === 0 || calls < 1) usage();
  return { mode, calls, exitCode, scopes };
}

// The chain logs "Result for <credential>: ..." at info level through @azure/logger.
const picked = new Set();
const { AzureLogger, setLogLevel } = require("@azure/logger");
setLogLevel("info");
AzureLogger.log = (...args) => {
  const match = /Result for (\w+):/.exec(args.join(" "));
  if (match) picked.add(match[1]);
};

const { DefaultAzureCredential, ManagedIdentityCredential } = require("@azure/identity");

const { mode, calls, exitCode, scopes } = parse(process.argv.slice(2));
try {
  const tokens = [];
  for (const scope of scopes) {
    const seen = new Set();
    let last;
    for (let i = 0; i < calls; i += 1) {
      const credential = mode === "mi" ? new ManagedIdentityCredential() : new DefaultAzureCredential();
      last = await credential.getToken(scope);
      seen.add(last.token);
    }
    tokens.push({
      scope,
      token: last.token,
      expires_on: Math.floor(last.expiresOnTimestamp / 1000),
      distinct: seen.size,
    });
  }
  const report = {
    tokens,
    calls,
    picked: [...picked].sort(),
    env_seen: REMOVED.filter((name) => name in process.env),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = exitCode;
} catch (error) {
  process.stderr.write(`${error?.name ?? "Error"}: ${error?.message ?? error}\n`);
  process.exitCode = 1;
}
