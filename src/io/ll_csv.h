/*
 * ll_csv.h - neural data from CSV text.
 *
 * Two layouts, told apart by the first (non-blank, non-'#') line:
 *
 * (a) LONG: a header naming (case-insensitively, any order) the columns
 *     neuron, time, trial and value (names configurable), optionally
 *     condition; other columns are ignored.  One row per observed entry:
 *         neuron,time,trial,value[,condition]
 *     gives a neurons x time x trials tensor.  Index columns: if every
 *     cell of a column is a number, its distinct values in increasing
 *     numeric order become indices 0, 1, ... ("1" and "1.0" are the same
 *     index; gaps are not filled: trials 1,2,4 make 3 trials); otherwise
 *     the distinct texts in order of first appearance do.  Entries no row
 *     gives, and empty / NaN / NA value cells, are NaN (missing data).
 *     The condition column gives one label per trial: integers are kept
 *     as they are, any other text is numbered 0, 1, ... in order of first
 *     appearance; a blank cell says nothing; a trial with two different
 *     conditions, or none at all, is an error.
 * (b) MATRIX: a plain numeric table, rows x cols, read as a 2-way tensor;
 *     an optional header (a first line with any non-numeric cell) names
 *     the columns.  Empty / NaN / NA cells are NaN.
 *
 * The delimiter is sniffed from the first line: tab if it has one, else
 * comma, else semicolon, else runs of blanks.  Double-quoted fields
 * ("a,b", "say ""hi""") are understood within a line; a UTF-8 BOM, CRLF
 * line ends, blank lines and lines starting with '#' are skipped.
 * Numbers are C-locale decimals (strtod); Inf is refused; a NUL byte
 * is refused (not a text file).
 *
 * Memory: the text, the rows kept while reading (about 48 bytes each, long
 * layout) and the tensor must each fit in the input limit
 * (base/ll_limits.h), checked before each is allocated: the long layout
 * checks the tensor its rows imply (neurons x times x trials x 8 bytes),
 * the matrix layout rows x columns x 8 bytes, else LL_ELIMIT:
 *   data.csv: the rows imply a 500 x 500 x 500 (neurons x times x trials)
 *   float64 tensor = 953.7 MiB decoded, more than the input limit of ...
 *
 * Errors are LL_EFORMAT (LL_EIO for open/read failures) with "FILE:LINE:"
 * in front, e.g.
 *   data.csv:17: expected 4 fields, got 3
 *   data.csv:3: 'abc' is not a number
 *   data.csv:9: duplicate entry neuron '2', time '0.5', trial '7' (first on line 4)
 *   data.csv:1: no 'trial' column in the header
 */
#ifndef LL_CSV_H
#define LL_CSV_H

#include <stddef.h>

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef enum ll_csv_layout {
	LL_CSV_AUTO = 0, /* long if the header has the neuron or value column */
	LL_CSV_LONG,
	LL_CSV_MATRIX
} ll_csv_layout;

typedef struct ll_csv_opts {
	ll_csv_layout layout;  /* default LL_CSV_AUTO */
	char delim;            /* 0 = sniff; ' ' = runs of blanks */
	/* long-layout column names; NULL = "neuron", "time", "trial",
	 * "value", "condition" */
	const char *col_neuron, *col_time, *col_trial, *col_value, *col_condition;
} ll_csv_opts;

typedef struct ll_csv_data {
	ll_csv_layout layout;  /* LL_CSV_LONG or LL_CSV_MATRIX */
	ll_tensor X;           /* long: neurons x time x trials; matrix: rows x cols (owned) */
	size_t n_missing;      /* NaN entries in X */
	size_t n_rows;         /* data lines read */
	/* names[m][i]: the text of index i of mode m, NULL-terminated arrays
	 * (long: the index cells as first written; matrix: names[1] = the
	 * header cells or NULL, names[0] = names[2] = NULL) (owned) */
	char **names[3];
	int *labels;           /* per trial (long with a condition column), else NULL (owned) */
	size_t nlabels;
	char **label_names;    /* when conditions were text: label_names[L] is the
				* text of label L, else NULL (owned) */
	size_t nlabel_names;
} ll_csv_data;

void ll_csv_opts_default(ll_csv_opts *o);
/* Read path into d (free it with ll_csv_data_free).  o may be NULL
 * (defaults).  On failure: *d is zeroed and holds nothing to free. */
int ll_csv_read(const char *path, const ll_csv_opts *o, ll_csv_data *d, ll_err *err);
/* The same from len bytes of memory (no NUL needed); name is used in
 * messages.  On failure: as ll_csv_read. */
int ll_csv_read_mem(const void *buf, size_t len, const char *name, const ll_csv_opts *o,
		    ll_csv_data *d, ll_err *err);
/* The same from a NUL-terminated string. */
int ll_csv_read_text(const char *text, const char *name, const ll_csv_opts *o,
		     ll_csv_data *d, ll_err *err);
void ll_csv_data_free(ll_csv_data *d);

#endif
