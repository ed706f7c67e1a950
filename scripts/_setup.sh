# Shared by scripts/lab and scripts/test: make .venv with mip6lab installed (sourced, not run).
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_updated=0
apt_install() {  # apt_install PKG... : Debian packages, installed only when missing
  # Lock::Timeout: wait (up to 10 min) for another apt/dpkg (unattended-upgrades...) instead of failing.
  if [ $apt_updated -eq 0 ]; then $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"
}

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null; then apt_install python3 python3-venv python3-pip; fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv; apt_install python3-venv; "$PY" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# (this machine's pip config names extra package folders that may be absent: hide those warnings only)
target="."
if [ -n "${MIP6LAB_EXTRAS:-}" ]; then target=".[${MIP6LAB_EXTRAS}]"; fi
if ! pip_out=$(.venv/bin/python -m pip install -q -e "$target" 2>&1); then
  echo "$pip_out" >&2; echo "pip install failed" >&2; exit 1
fi
# Hide setuptools' editable-install warning block (framed by lines "!!" ... "!!", the same on every run) and
# its one-line summary; everything else pip says is shown.
# (and the BuildBackendWarning "Editable installation." line with the source line it quotes after the block).
awk '/^ *!!$/ { skip = !skip; next }
     /BuildBackendWarning: Editable installation|^ +with strategy, WheelFile\(/ { next }
     !skip && !/^WARNING: Location/ && !/SetuptoolsDeprecationWarning|_DeprecatedInstaller/' \
  <<<"$pip_out" || true
