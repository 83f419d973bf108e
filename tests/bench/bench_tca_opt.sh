#!/bin/sh
# bench_tca_opt.sh - how often TCA fits reach the best optimum (issue 16),
# latentlab beside TensorLy in the same run.  Not part of `make check` or
# CI: minutes (the TensorLy part, tens of minutes at full size).
#
#   tests/bench/bench_tca_opt.sh [-q] [-s SEEDS] [-t TOL] [-i MAXITER]
#
# Runs tests/bench/bench_tca_opt (built here if missing) on the planted
# non-negative tensor (ncp-hals, ncp-bcd) and the planted masked tensor
# (cp-als), SEEDS starts each (default 20), and prints for every method the
# number and fraction of fits at the best optimum (objective within 1e-4
# of the best found on that tensor), the median FMS against the planted
# factors, the median iteration count and the milliseconds per iteration.
# Then, when /usr/bin/python3 has numpy and scipy (Debian's python3-numpy,
# python3-scipy) and TensorLy's source tree is at hand -- $TENSORLY_SRC,
# or tests/bench/.tensorly (ignored by git; never committed) holding the
# `tensorly` package folder -- the same for TensorLy's
# non_negative_parafac_hals and masked parafac on the very same tensors
# (written as .npy to a scratch folder), and the per-iteration ratio.
# Without them it says what is missing and stops there, exit status 0.
# -q: smaller tensors (30x10x40x40 and 20x10x32x40), for a quick look.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${top_builddir:-$top}
quick= seeds=20 tol=1e-6 maxit=500
while getopts qs:t:i: o; do
	case $o in
	q) quick=-q ;;
	s) seeds=$OPTARG ;;
	t) tol=$OPTARG ;;
	i) maxit=$OPTARG ;;
	*) echo "usage: $0 [-q] [-s SEEDS] [-t TOL] [-i MAXITER]" >&2; exit 2 ;;
	esac
done
bin=$build/tests/bench/bench_tca_opt
if [ ! -x "$bin" ]; then
	(cd "$build" && make tests/bench/bench_tca_opt >/dev/null) || { echo "cannot build $bin" >&2; exit 1; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_tca_opt.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

"$bin" $quick -s "$seeds" -t "$tol" -i "$maxit" -o "$tmp" | tee "$tmp/ll.txt" || exit 1

py=/usr/bin/python3
src=${TENSORLY_SRC:-$here/.tensorly}
if [ ! -x "$py" ] || ! "$py" -c 'import numpy, scipy' 2>/dev/null; then
	echo "# TensorLy skipped: /usr/bin/python3 with numpy and scipy is needed (apt-get install python3-numpy python3-scipy)"
	exit 0
fi
if [ ! -f "$src/tensorly/__init__.py" ]; then
	echo "# TensorLy skipped: no TensorLy source at $src (set TENSORLY_SRC to a folder holding tensorly/)"
	exit 0
fi
echo "# TensorLy ($src): same tensors, seeds, tol and iteration cap"
"$py" "$here/bench_tca_tensorly.py" "$src" "$tmp" "$seeds" "$tol" "$maxit" | tee "$tmp/tl.txt" || exit 1
# per-iteration time ratio: TensorLy's over latentlab's, per case
awk '
	FNR == NR { if (/^(nn|masked) / && $2 != "best") ms[$1 " " $2] = $NF; next }
	/^(nn|masked) / {
		ll = ($1 == "nn") ? ms["nn ncp-hals"] : ms["masked cp-als"]
		if (ll > 0)
			printf "%-7s per-iteration time: TensorLy %s %.2f ms / latentlab %.2f ms = %.1fx\n", $1, $2, $NF, ll, $NF / ll
	}' "$tmp/ll.txt" "$tmp/tl.txt"
