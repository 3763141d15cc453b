#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The repository stands alone: nothing in it (docs, headers, comments, help
# texts) may point at documents that do not ship with it -- design notes,
# references or style guides kept elsewhere, or the tracker entry a change
# came from. Facts go into docs/ and public sources are cited by name.
# CTest "docs_standalone" runs it; exit 1 lists the offending lines.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
# Split so that this file does not match itself.
pat='shared''/|DESIGN''\.md|\bDESIGN'' invariant|\bREFERENCE''\b|STYLE''\.md|the br''ief|the iss''ue\b|iss''ue #?[0-9]'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	hits=$(git grep -nIE "$pat" -- . ':!build*' || true)
else
	hits=$(grep -rnIE "$pat" --exclude-dir='build*' --exclude-dir=.git . || true)
fi
if [ -n "$hits" ]; then
	echo "references to documents that do not ship with the repository:"
	echo "$hits"
	exit 1
fi
echo "docs_standalone: no references outside the repository"
