#!/usr/bin/env bash
# Installs what the console's browser test (ConsoleIT) drives: Debian's chromium and chromedriver.
# Idempotent; needs root (or sudo) and Debian's package mirrors.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium chromium-driver
