#!/usr/bin/env bash
# The project's test command (README): the Swift test suite, which needs no Python:
# the reference fixtures it compares against are committed under Tests/Fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test "$@"
