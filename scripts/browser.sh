# The explorer's browser tests drive the system Chromium: CHROMIUM_PATH, else chromium on the PATH (Debian's chromium
# package, Flox). They skip themselves, with the reason, where there is none.
# shellcheck shell=bash

# Installs Debian's chromium when there is none and apt-get can run (as root, or through sudo without a password, as
# in a dev container); otherwise prints one line saying that the browser tests will be reported as skipped.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable: the explorer's browser tests will be reported as skipped"
    return 0
  fi
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then return 0; fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else as_root=(cannot); fi
  fi
  if [ "${as_root[0]:-}" = cannot ] || ! command -v apt-get >/dev/null 2>&1; then
    log "No Chromium, and it cannot be installed here (needs apt-get as root): the explorer's browser tests will be reported as skipped"
    return 0
  fi
  log "Installing Chromium for the explorer's browser tests (apt-get install chromium)"
  if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || ! command -v chromium >/dev/null 2>&1; then
    log "apt-get could not install chromium: the explorer's browser tests will be reported as skipped"
  fi
  return 0
}
