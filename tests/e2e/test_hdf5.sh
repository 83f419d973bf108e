#!/bin/sh
# tests/e2e/test_hdf5.sh - HDF5/NWB input end to end (TAP): `latentlab
# info` lists a file's datasets; sessions of kind = hdf5 (a dataset, a
# hyperslab) and kind = nwb (binned spike times) run; the bundled NWB
# example is what its generator makes and finds its three assemblies; bad
# files and keys give one line on stderr naming the file.  Without HDF5
# (the generator is not built) only the refusal is tested.
. "${top_srcdir:-.}/tests/tap.sh"

GEN=${top_builddir:-.}/examples/data/make_nwb
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_hdf5.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

if [ ! -x "$GEN" ]; then
	echo "# built without HDF5: only the refusal is tested"
	tap_fails "info without HDF5 says so in one line" "spikes.nwb: an HDF5 file, but latentlab was built without HDF5" \
		"$LL" info "$SRC/examples/data/spikes.nwb"
	tap_done
	exit
fi

session() { # session FILE [data] lines...: a small session on it
	f=$1; shift
	{
		printf '[session]\nseed = 1\n[data]\n'
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '[tca]\nranks = 1-2\nreplicates = 2\n'
	} > "$f"
}

"$GEN" "$T/good.nwb" && "$GEN" --bad-index "$T/badix.nwb" && "$GEN" --no-trials "$T/notrials.nwb" &&
	"$GEN" --array "$T/a.h5" && echo "plain text, not HDF5" > "$T/not.h5"
tap_result $? "the generator writes its files"

# ---- the bundled example -------------------------------------------------------
"$GEN" --check "$SRC/examples/data/spikes.nwb"
tap_result $? "examples/data/spikes.nwb holds what make_nwb makes"
size=$(wc -c < "$SRC/examples/data/spikes.nwb")
[ "$size" -lt 204800 ]
tap_result $? "examples/data/spikes.nwb is under 200 KB ($size B)"

# ---- info ------------------------------------------------------------------------
out=$("$LL" info "$T/good.nwb" 2>&1)
printf '%s\n' "$out" | grep -q "good.nwb: HDF5, 7 datasets" &&
	printf '%s\n' "$out" | grep -Eq "^  /units/spike_times +[0-9]+ +<f8 chunked compressed$" &&
	printf '%s\n' "$out" | grep -Eq "^  /intervals/trials/start_time +50 +<f8$" &&
	printf '%s\n' "$out" | grep -Eq "^  /units/spike_times_index +20 +<u8$"
tap_result $? "info lists an NWB file's datasets: path, shape, dtype, storage"
out=$("$LL" info --json "$T/a.h5" 2>&1)
printf '%s' "$out" | tr -d ' \n' | grep -q '"name":"/data","dtype":"<f4","shape":\[6,5,4\],"numeric":true,"chunked":true,"compressed":true' &&
	printf '%s' "$out" | tr -d ' \n' | grep -q '"name":"/vec","dtype":">i2","shape":\[7\]'
tap_result $? "info --json: the datasets of an HDF5 file"
out=$("$LL" info "$T/a.h5:/vec" 2>&1)
printf '%s\n' "$out" | grep -q "HDF5 dataset, dtype >i2" && printf '%s\n' "$out" | grep -Eq "min +-3$" &&
	printf '%s\n' "$out" | grep -Eq "max +3$"
tap_result $? "info FILE.h5:/DATASET: one dataset's statistics"
tap_fails "info: a missing dataset" "a.h5:/nope: no dataset /nope\|a.h5: no dataset /nope" "$LL" info "$T/a.h5:/nope"
tap_fails "info: not HDF5" "not.h5: unrecognized format" "$LL" info "$T/not.h5"

# ---- kind = hdf5 ---------------------------------------------------------------
session "$T/h.lab" "kind = hdf5" "path = a.h5" "dataset = /data"
tap_ok "run: kind = hdf5" "$LL" run "$T/h.lab" -o "$T/h" -q
"$LL" info "$T/h/tensor/tensor.npy" | grep -q "6 x 5 x 4"
tap_result $? "kind = hdf5: the tensor has the dataset's shape"
session "$T/hs.lab" "kind = hdf5" "path = a.h5" "dataset = /data" "start = 1, 0, 2" "count = 4, 0, 2"
tap_ok "run: kind = hdf5 with a hyperslab" "$LL" run "$T/hs.lab" -o "$T/hs" -q
"$LL" info "$T/hs/tensor/tensor.npy" > "$T/hs.txt"
grep -q "4 x 5 x 2" "$T/hs.txt" && grep -Eq "min +102$" "$T/hs.txt" && grep -Eq "max +443$" "$T/hs.txt"
tap_result $? "the hyperslab is the slice [1:5, :, 2:4] (values 100a+10b+c: 102 to 443)"
for bad in "missing dataset|dataset = /nope|a.h5: no dataset /nope in the file" \
	"a group|dataset = /grp|a.h5: /grp is a group, not a dataset" \
	"a vector|dataset = /vec|a.h5: /vec is a vector; the data needs at least 2 dimensions" \
	"wrong hyperslab rank|dataset = /data\nstart = 0, 0|a.h5: /data has 3 dimensions but the hyperslab gives 2" \
	"hyperslab past the end|dataset = /data\nstart = 5, 0, 0\ncount = 2, 0, 0|start 5 + count 2 of dimension 1 is past its size 6" \
	"no dataset key|# none|kind = hdf5 needs dataset = /path/in/file"; do
	name=${bad%%|*}; rest=${bad#*|}; keys=${rest%%|*}; pat=${rest#*|}
	session "$T/b.lab" "kind = hdf5" "path = a.h5" "$(printf "$keys")"
	tap_fails "kind = hdf5: $name" "$pat" "$LL" run "$T/b.lab" -o "$T/b" -q
done
session "$T/n.lab" "kind = hdf5" "path = not.h5" "dataset = /data"
tap_fails "kind = hdf5: not an HDF5 file" "not.h5: not an HDF5 file" "$LL" run "$T/n.lab" -o "$T/b" -q
session "$T/n.lab" "kind = npy" "path = a.h5"
tap_fails "kind = npy on an HDF5 file points at the dataset syntax" "a.h5: an HDF5 file: name one of its datasets" \
	"$LL" run "$T/n.lab" -o "$T/b" -q
session "$T/n.lab" "kind = npy" "path = a.h5:/data"
tap_ok "kind = npy reads FILE.h5:/dataset" "$LL" run "$T/n.lab" -o "$T/n" -q

# ---- kind = nwb ------------------------------------------------------------------
session "$T/w.lab" "kind = nwb" "path = good.nwb" "bin = 0.05" "window = 1.0" "align = stop_time"
tap_ok "run: kind = nwb, 50 ms bins, 1 s before stop_time" "$LL" run "$T/w.lab" -o "$T/w" -q
"$LL" info "$T/w/tensor/tensor.npy" | grep -q "20 x 20 x 50"
tap_result $? "kind = nwb: neurons x bins x trials (20 x 20 x 50)"
session "$T/b.lab" "kind = nwb" "path = badix.nwb"
tap_fails "kind = nwb: spike_times_index not non-decreasing" \
	"badix.nwb: /units/spike_times_index is not non-decreasing (entry 3" "$LL" run "$T/b.lab" -o "$T/b" -q
session "$T/b.lab" "kind = nwb" "path = notrials.nwb"
tap_fails "kind = nwb: no trials table" "notrials.nwb: no trials table" "$LL" run "$T/b.lab" -o "$T/b" -q
session "$T/b.lab" "kind = nwb" "path = a.h5"
tap_fails "kind = nwb: no units table" "a.h5: no units table with spike times" "$LL" run "$T/b.lab" -o "$T/b" -q
session "$T/b.lab" "kind = nwb" "path = good.nwb" "window = soon"
tap_fails "kind = nwb: a bad window" "window = soon: expected auto or a number of seconds" \
	"$LL" run "$T/b.lab" -o "$T/b" -q
session "$T/b.lab" "kind = nwb" "path = good.nwb" "bin = 5"
tap_fails "kind = nwb: a window shorter than a bin" "good.nwb: the window (1.* s, the shortest trial) is shorter than one bin" \
	"$LL" run "$T/b.lab" -o "$T/b" -q
LATENTLAB_MAX_INPUT_BYTES=120K "$LL" run "$T/w.lab" -o "$T/b" -q 2> "$T/lim.err"
[ $? -ne 0 ] && [ "$(grep -c . "$T/lim.err")" -eq 1 ] && grep -q "the binned spikes are 20 x 20 x 50 float64" "$T/lim.err"
tap_result $? "kind = nwb: the input limit, in one line"

# ---- examples/nwb.lab: the planted assemblies --------------------------------------
tap_ok "run examples/nwb.lab" "$LL" run "$SRC/examples/nwb.lab" -o "$T/ex" -q
"$LL" info "$T/ex/tensor/tensor.npy" | grep -q "20 x 50 x 50"
tap_result $? "nwb.lab: 20 neurons x 50 bins of 20 ms x 50 trials"
tr -d ' \n' < "$T/ex/tca/summary.json" | grep -q '"chosen_rank":{"rank":3'
tap_result $? "nwb.lab: rank 3 chosen (three planted assemblies)"

tap_done
