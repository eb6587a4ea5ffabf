#!/usr/bin/env bash
# Make a Chromium available for Playwright: Debian's package where we can install it, otherwise a
# browser Playwright already downloaded. Playwright's own download needs internet access.
set -euo pipefail
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then exit 0; fi
done
if compgen -G "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/chromium*" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "No Chromium found. Install one: 'sudo apt-get install chromium' (Debian/Ubuntu)" \
     "or '.venv/bin/playwright install chromium'." >&2
exit 1
