/*
 * ll_nwb.h - NWB spike data binned into a neurons x bins x trials tensor of
 * spike counts, the everyday first step of a systems neuroscientist.
 *
 * NWB (Neurodata Without Borders, an HDF5 layout) stores the spike times
 * of all units in one ragged array: /units/spike_times holds every unit's
 * times one unit after another, and /units/spike_times_index[n] is where
 * unit n's times end (unit n owns [index[n-1], index[n]), index[-1] = 0).
 * Trials are /intervals/trials/start_time and stop_time, in seconds.
 *
 * Every trial gets the same window of `bins` bins of `bin` seconds: from
 * its start_time on (align start) or ending at its stop_time (align stop);
 * the window is given or, by default, the shortest trial, rounded down to
 * whole bins.  A spike in [t0 + b*bin, t0 + (b+1)*bin) counts in bin b;
 * spikes outside every window (or NaN) are not counted.  Windows may
 * overlap (a spike then counts in both trials).
 */
#ifndef LL_NWB_H
#define LL_NWB_H

#include <stddef.h>

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef struct ll_nwb_opts {
	double bin;       /* seconds, > 0 */
	int align_stop;   /* 0: windows start at start_time; 1: they end at stop_time */
	double window;    /* seconds; <= 0: the shortest trial */
} ll_nwb_opts;

/* What the binning found (for the status line). */
typedef struct ll_nwb_info {
	size_t neurons, trials, bins;
	size_t spikes;    /* in the file */
	size_t counted;   /* spike-in-window events counted */
	double window;    /* seconds covered: bins x bin */
} ll_nwb_info;

/* Bin the arrays of an NWB file: spike_times (nspikes), index (nunits:
 * whole numbers, non-decreasing, the last one nspikes), start/stop
 * (ntrials, stop >= start).  name is used in messages ("FILE: /units/..."
 * problems).  *X is zeroed on failure; info may be NULL.  Checks the
 * tensor against the input limit (base/ll_limits.h) before allocating. */
int ll_nwb_bin_arrays(const char *name, const double *spike_times, size_t nspikes, const double *index,
		      size_t nunits, const double *start, const double *stop, size_t ntrials,
		      const ll_nwb_opts *o, ll_tensor *X, ll_nwb_info *info, ll_err *err);

/* Read /units/spike_times, /units/spike_times_index and the trials table
 * /intervals/trials/{start_time,stop_time} of the NWB file path and bin
 * them (needs HDF5: ll_hdf5.h). */
int ll_nwb_bin(const char *path, const ll_nwb_opts *o, ll_tensor *X, ll_nwb_info *info, ll_err *err);

#endif
