#!/bin/sh
# A TCA ensemble in 8 shards with GNU parallel (on this machine; add
# -S host1,host2 and a shared folder to spread it over machines), then the
# merge into the folder a single `latentlab tca` run writes.  Shards are
# numbered from 0.
#   DATA=data.npy OUT=tca_out sh examples/cluster/parallel.sh
DATA=${DATA:-data.npy} OUT=${OUT:-tca_out} N=${N:-8} LATENTLAB=${LATENTLAB:-latentlab}
export DATA OUT N LATENTLAB

parallel -j "${JOBS:-2}" '"$LATENTLAB" tca "$DATA" -o "$OUT/shards/{}" -r 1-10 -n 20 -j 1 -q --shard {}/$N' ::: $(seq 0 $((N - 1))) &&
	"$LATENTLAB" merge "$OUT"/shards/* -o "$OUT/all"
