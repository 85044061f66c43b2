#!/usr/bin/env bash
# Installs what a fresh machine is missing: npm packages, nats-server, Java + Maven, the
# embedded MongoDB launcher and chromium. Idempotent; skips what MONGO_URL / NATS_URL make unnecessary.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "need root for: $*" >&2; return 1; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${NATS_URL:-}" ] && ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
  echo "setup: installing nats-server (Debian package)"
  apt_install nats-server
fi

if [ -z "${MONGO_URL:-}" ]; then
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    echo "setup: installing Java 17 and Maven"
    apt_install openjdk-17-jdk-headless maven
  fi
  if [ ! -f infra/mongo-launcher/target/mongo-launcher.jar ]; then
    echo "setup: building the embedded MongoDB launcher (mongo-java-server)"
    mvn -q -B -f infra/mongo-launcher/pom.xml package
  fi
fi

# The opt-out page's browser test (gateway/test/opt-out-chromium-e2e.test.ts) drives Debian's
# chromium through playwright-core, which never downloads a browser of its own.
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium (Debian package, for the headless browser tests)"
  apt_install --no-install-recommends chromium
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # Not `npm ci`: the registry served here lacks some other platforms' optional binaries
  # (e.g. @swc/core-darwin-*), which the lock file then leaves out and `npm ci` refuses.
  npm install --no-audit --no-fund --loglevel=error
fi
