#!/usr/bin/env bash
# Regenerates the reference fixtures under Tests/Fixtures/ from Hugging Face
# transformers / PyTorch. Tests never run Python; they read the committed output.
#
#   bash Scripts/make-fixtures.sh
#
# Creates a virtual environment in .venv-fixtures/ (repo root, git-ignored) the
# first time, installs Scripts/requirements-fixtures.txt into it, then runs
# Scripts/make-model-fixtures.py, Scripts/make-trained-fixture.py (trains a small byte-level
# model for about 5 minutes on one CPU core; set SKIP_TRAINED_FIXTURE=1 to keep the committed
# one) and, if present, Scripts/make-tokenizer-fixtures.py.
# Set FIXTURES_PYTHON=/path/to/python to use an existing interpreter that already
# has the requirements instead (no venv, no install). Needs Python >= 3.11; the
# generators themselves use no network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-fixtures"
REQUIREMENTS="$ROOT/Scripts/requirements-fixtures.txt"

check_version() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
        echo "error: $1 is older than Python 3.11" >&2
        exit 1
    }
}

if [ -n "${FIXTURES_PYTHON:-}" ]; then
    PY="$FIXTURES_PYTHON"
    check_version "$PY"
else
    if [ ! -x "$VENV/bin/python" ]; then
        BASE="${PYTHON:-python3}"
        check_version "$BASE"
        echo "creating $VENV"
        "$BASE" -m venv "$VENV"
    fi
    PY="$VENV/bin/python"
    check_version "$PY"
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
fi

export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_DATASETS_OFFLINE=1
export PYTHONHASHSEED=0
export TOKENIZERS_PARALLELISM=false

cd "$ROOT"
"$PY" Scripts/make-model-fixtures.py
if [ -z "${SKIP_TRAINED_FIXTURE:-}" ]; then
    "$PY" Scripts/make-trained-fixture.py
fi
if [ -f Scripts/make-tokenizer-fixtures.py ]; then
    "$PY" Scripts/make-tokenizer-fixtures.py
fi
echo "fixtures written under Tests/Fixtures/"
