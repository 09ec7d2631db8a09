# The explorer's browser tests drive the system Chromium (Debian's chromium package, or CHROMIUM_PATH).
# shellcheck shell=bash

# Installs chromium when it is missing and this is a root shell with apt-get; otherwise prints one line saying that
# the browser tests will be reported as skipped (they skip themselves when no Chromium is found).
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable: the explorer's browser tests will be reported as skipped"
    return 0
  fi
  if [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "No Chromium, and it cannot be installed here (needs root and apt-get): the explorer's browser tests will be reported as skipped"
    return 0
  fi
  log "Installing Chromium for the explorer's browser tests (apt-get install chromium)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || [ ! -x /usr/bin/chromium ]; then
    log "apt-get could not install chromium: the explorer's browser tests will be reported as skipped"
  fi
  return 0
}
