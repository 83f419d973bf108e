/* CSV input: both layouts, index mapping, conditions, missing cells,
 * delimiters and quoting, every error with its file:line, the input
 * limit, and reading from memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_limits.h"
#include "io/ll_csv.h"
#include "ll_test.h"

static double at3(const ll_csv_data *d, size_t i, size_t j, size_t k)
{
	return d->X.data[(i * d->X.dim[1] + j) * d->X.dim[2] + k];
}

static void test_csv_long_basic(void)
{
	/* rows in any order; (neuron 1, time 2, trial 0) is never given */
	const char *text =
		"neuron,time,trial,value\n"
		"1,0,1,10.5\n"
		"0,0,0,1\n"
		"0,1,0,2\n"
		"0,2,0,3\n"
		"0,0,1,4\n"
		"0,1,1,5\n"
		"0,2,1,6\n"
		"1,0,0,7\n"
		"1,1,0,-8e-1\n"
		"1,1,1,9\n"
		"1,2,1,11\n";
	ll_csv_data d;
	ll_err e;

	LL_CHECK_INT(ll_csv_read_text(text, "a.csv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.layout, LL_CSV_LONG);
	LL_CHECK_INT(d.X.nmodes, 3);
	LL_CHECK_INT(d.X.dim[0], 2);
	LL_CHECK_INT(d.X.dim[1], 3);
	LL_CHECK_INT(d.X.dim[2], 2);
	LL_CHECK_INT(d.n_rows, 11);
	LL_CHECK_INT(d.n_missing, 1);
	LL_CHECK(at3(&d, 0, 0, 0) == 1.0 && at3(&d, 0, 2, 1) == 6.0);
	LL_CHECK(at3(&d, 1, 0, 1) == 10.5 && at3(&d, 1, 1, 0) == -0.8);
	LL_CHECK(isnan(at3(&d, 1, 2, 0)));
	LL_CHECK(at3(&d, 1, 2, 1) == 11.0);
	LL_CHECK(d.labels == NULL && d.nlabels == 0);
	LL_CHECK_STR(d.names[0][0], "0");
	LL_CHECK_STR(d.names[1][2], "2");
	LL_CHECK(d.names[1][3] == NULL);
	ll_csv_data_free(&d);
	ll_csv_data_free(&d);
}

static void test_csv_long_columns_and_indices(void)
{
	/* any column order, any case, an extra column, tabs, quotes, comments,
	 * blank lines; numeric times sort numerically ("1" == "1.0"), text
	 * neurons number in order of first appearance, trials 1-based */
	const char *text =
		"# recorded 2024\n"
		"Value\tTRIAL\tsession\tNeuron\tTime\n"
		"\n"
		"1.5\t1\tA\t\"cell b\"\t0.5\n"
		"2.5\t1\tA\tcell a\t0.25\n"
		"3.5\t2\t\"x\"\"y\"\tcell b\t1.0\n"
		"4.5\t2\tA\tcell a\t1\n";
	ll_csv_data d;
	ll_err e;

	LL_CHECK_INT(ll_csv_read_text(text, "b.tsv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.X.dim[0], 2);
	LL_CHECK_INT(d.X.dim[1], 3);
	LL_CHECK_INT(d.X.dim[2], 2);
	LL_CHECK_STR(d.names[0][0], "cell b");
	LL_CHECK_STR(d.names[0][1], "cell a");
	LL_CHECK_STR(d.names[1][0], "0.25");
	LL_CHECK_STR(d.names[1][1], "0.5");
	LL_CHECK_STR(d.names[1][2], "1.0"); /* first written as "1.0" */
	LL_CHECK_STR(d.names[2][0], "1");
	LL_CHECK(at3(&d, 0, 1, 0) == 1.5);
	LL_CHECK(at3(&d, 1, 0, 0) == 2.5);
	LL_CHECK(at3(&d, 0, 2, 1) == 3.5);
	LL_CHECK(at3(&d, 1, 2, 1) == 4.5);
	LL_CHECK_INT(d.n_missing, 12 - 4);
	ll_csv_data_free(&d);

	/* configurable names, semicolons, CRLF, a UTF-8 BOM */
	ll_csv_opts o;
	ll_csv_opts_default(&o);
	o.col_neuron = "unit";
	o.col_time = "bin";
	o.col_value = "rate";
	LL_CHECK_INT(ll_csv_read_text("\xEF\xBB\xBFunit;bin;trial;rate\r\n0;0;0;7\r\n0;1;0;8\r\n",
				      "c.csv", &o, &d, &e), LL_OK);
	LL_CHECK_INT(d.layout, LL_CSV_LONG);
	LL_CHECK_INT(d.X.dim[1], 2);
	LL_CHECK(d.X.data[1] == 8.0);
	ll_csv_data_free(&d);

	/* whitespace-separated long layout */
	LL_CHECK_INT(ll_csv_read_text("neuron  time trial value\n  0 0 0   1.25  \n0 0 1 2\n",
				      "d.txt", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.X.dim[2], 2);
	LL_CHECK(d.X.data[0] == 1.25 && d.X.data[1] == 2.0);
	ll_csv_data_free(&d);
}

static void test_csv_missing_values(void)
{
	const char *text = "neuron,time,trial,value\n0,0,0,\n0,0,1,NaN\n0,1,0,na\n0,1,1, N/A \n1,0,0,3\n";
	ll_csv_data d;

	LL_CHECK_INT(ll_csv_read_text(text, "m.csv", NULL, &d, NULL), LL_OK);
	LL_CHECK_INT(d.X.size, 8);
	LL_CHECK_INT(d.n_missing, 7); /* 4 written as missing, 3 never given */
	LL_CHECK(at3(&d, 1, 0, 0) == 3.0);
	ll_csv_data_free(&d);
}

static void test_csv_conditions(void)
{
	ll_csv_data d;
	ll_err e;

	/* integer conditions are kept; blank cells say nothing */
	const char *ints = "neuron,time,trial,value,condition\n"
			   "0,0,0,1,7\n0,0,1,2,3\n0,0,2,3,\n0,1,2,4,7\n0,1,0,5,\n";
	LL_CHECK_INT(ll_csv_read_text(ints, "i.csv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.nlabels, 3);
	LL_CHECK_INT(d.labels[0], 7);
	LL_CHECK_INT(d.labels[1], 3);
	LL_CHECK_INT(d.labels[2], 7);
	LL_CHECK(d.label_names == NULL);
	ll_csv_data_free(&d);

	/* text conditions are numbered in order of first appearance */
	const char *txt = "trial,condition,neuron,time,value\n"
			  "b,right,0,0,1\na,left,0,0,2\nb,right,0,1,3\nc,left,0,0,4\n";
	LL_CHECK_INT(ll_csv_read_text(txt, "t.csv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.nlabels, 3);
	LL_CHECK_STR(d.names[2][0], "b");
	LL_CHECK_INT(d.labels[0], 0);
	LL_CHECK_INT(d.labels[1], 1);
	LL_CHECK_INT(d.labels[2], 1);
	LL_CHECK_INT(d.nlabel_names, 2);
	LL_CHECK_STR(d.label_names[0], "right");
	LL_CHECK_STR(d.label_names[1], "left");
	ll_csv_data_free(&d);

	/* a trial with two conditions */
	const char *clash = "neuron,time,trial,value,condition\n0,0,5,1,A\n0,1,5,2,A\n1,0,5,3,B\n";
	LL_CHECK_INT(ll_csv_read_text(clash, "x.csv", NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "x.csv:4: trial '5' has condition 'B' but line 2 gave 'A'");
	LL_CHECK(d.X.data == NULL && d.labels == NULL);
	/* a trial with none */
	const char *none = "neuron,time,trial,value,condition\n0,0,0,1,1\n0,0,1,2,\n";
	LL_CHECK_INT(ll_csv_read_text(none, "y.csv", NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "y.csv: trial '1' has no condition");
}

static void test_csv_matrix(void)
{
	ll_csv_data d;
	ll_err e;

	/* header, comma, a missing cell */
	LL_CHECK_INT(ll_csv_read_text("t0,t1,t2\n1,2,3\n4,,6\n", "m.csv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.layout, LL_CSV_MATRIX);
	LL_CHECK_INT(d.X.nmodes, 2);
	LL_CHECK_INT(d.X.dim[0], 2);
	LL_CHECK_INT(d.X.dim[1], 3);
	LL_CHECK(d.X.data[0] == 1.0 && d.X.data[5] == 6.0 && isnan(d.X.data[4]));
	LL_CHECK_INT(d.n_missing, 1);
	LL_CHECK_STR(d.names[1][2], "t2");
	LL_CHECK(d.names[0] == NULL);
	ll_csv_data_free(&d);

	/* no header, blanks */
	LL_CHECK_INT(ll_csv_read_text("1 2\n 3   4e2\n\n5\t6\n", "w.txt", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.X.dim[0], 3);
	LL_CHECK_INT(d.X.dim[1], 2);
	LL_CHECK(d.X.data[3] == 400.0 && d.X.data[5] == 6.0);
	LL_CHECK(d.names[1] == NULL);
	ll_csv_data_free(&d);

	/* tabs, a single column */
	LL_CHECK_INT(ll_csv_read_text("0.5\n-1\n", "v.tsv", NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.X.dim[0], 2);
	LL_CHECK_INT(d.X.dim[1], 1);
	ll_csv_data_free(&d);

	/* forcing the layout: a long-looking header read as a matrix header */
	ll_csv_opts o;
	ll_csv_opts_default(&o);
	o.layout = LL_CSV_MATRIX;
	LL_CHECK_INT(ll_csv_read_text("neuron,value\n1,2\n", "f.csv", &o, &d, &e), LL_OK);
	LL_CHECK_INT(d.layout, LL_CSV_MATRIX);
	LL_CHECK_INT(d.X.size, 2);
	ll_csv_data_free(&d);
}

#define BAD(text, code, want) do { ll_csv_data d_; \
	LL_CHECK_INT(ll_csv_read_text(text, "data.csv", NULL, &d_, &e), code); \
	LL_CHECK_STR(e.msg, want); LL_CHECK(d_.X.data == NULL); } while (0)

static void test_csv_errors(void)
{
	ll_err e;
	char big[2048];

	/* line numbers count blank and comment lines */
	strcpy(big, "neuron,time,trial,value\n");
	for (int i = 0; i < 12; i++)
		sprintf(big + strlen(big), "%d,0,0,1\n", i);
	strcat(big, "\n# comment\n12,0,0,1\n13,0,0\n");
	BAD(big, LL_EFORMAT, "data.csv:17: expected 4 fields, got 3");
	/* too many fields: not read as the first four (a thousands
	 * separator made "1,000" two fields) */
	BAD("neuron,time,trial,value\n1,1,0,1,000\n", LL_EFORMAT, "data.csv:2: expected 4 fields, got 5");
	BAD("neuron,time,trial,value\n0,0,0,1\n0,1,0,2,\n", LL_EFORMAT,
	    "data.csv:3: expected 4 fields, got 5");
	BAD("neuron time trial value\n0 0 0 1\n0 1 0 2 3\n", LL_EFORMAT,
	    "data.csv:3: expected 4 fields, got 5");
	BAD("neuron,time,trial,value\n0,0,0,1\n0,1,0,abc\n", LL_EFORMAT,
	    "data.csv:3: 'abc' is not a number");
	BAD("neuron,time,trial,value\n0,0,0,1\n0,1,0,2x\n", LL_EFORMAT,
	    "data.csv:3: '2x' is not a number");
	BAD("neuron,time,trial,value\n0,0,0,inf\n", LL_EFORMAT,
	    "data.csv:2: 'inf' is not a finite number");
	BAD("neuron,time,trial,value\n0,0,0,1e999\n", LL_EFORMAT,
	    "data.csv:2: '1e999' is not a finite number");
	BAD("neuron,time,trial,value\n2,0.5,7,1\n3,0.5,7,1\n2,0.50,7,5\n", LL_EFORMAT,
	    "data.csv:4: duplicate entry neuron '2', time '0.50', trial '7' (first on line 2)");
	BAD("neuron,time,value\n0,0,1\n", LL_EFORMAT, "data.csv:1: no 'trial' column in the header");
	BAD("neuron,time,trial,Time,value\n0,0,0,0,1\n", LL_EFORMAT,
	    "data.csv:1: column 'time' appears twice in the header");
	BAD("neuron,time,trial,value\n0,,0,1\n", LL_EFORMAT, "data.csv:2: empty time cell");
	BAD("neuron,time,trial,value\n0,\"0,0,1\n", LL_EFORMAT, "data.csv:2: unterminated quote");
	BAD("neuron,time,trial,value\n0,\"0\"x,0,1\n", LL_EFORMAT,
	    "data.csv:2: unexpected 'x' after a closing quote");
	BAD("neuron,time,trial,value\n", LL_EFORMAT, "data.csv: no data rows");
	BAD("neuron,time,trial,value\n# nothing\n\n", LL_EFORMAT, "data.csv: no data rows");
	BAD("", LL_EFORMAT, "data.csv: no data (empty file)");
	BAD("\n  \n# only comments\n", LL_EFORMAT, "data.csv: no data (empty file)");
	/* matrix */
	BAD("1,2,3\n4,5\n", LL_EFORMAT, "data.csv:2: expected 3 fields, got 2");
	BAD("1,2\n3,4,5\n", LL_EFORMAT, "data.csv:2: expected 2 fields, got 3");
	BAD("a,b\n1,2\n3,4,\n", LL_EFORMAT, "data.csv:3: expected 2 fields, got 3");
	BAD("1 2\n3 4 5\n", LL_EFORMAT, "data.csv:2: expected 2 fields, got 3");
	BAD("a,b\n1,2\n3,oops\n", LL_EFORMAT, "data.csv:3: 'oops' is not a number");
	BAD("a,b\n", LL_EFORMAT, "data.csv: no data rows");
	BAD("1 2\n3 \"4\"5\n", LL_EFORMAT, "data.csv:2: unexpected '5' after a closing quote");
	/* input quoted in a message keeps it one line: control characters as '?' */
	BAD("a,b\n1,\x1b[31mred\r\x7f\n", LL_EFORMAT, "data.csv:2: '?[31mred?" "?' is not a number"); /* (no trigraph) */
	BAD("1,2\n3,\"4\"\x01\n", LL_EFORMAT, "data.csv:2: unexpected '?' after a closing quote");

	ll_csv_data d;
	LL_CHECK_INT(ll_csv_read_text(NULL, "n", NULL, &d, &e), LL_EINVAL);
	ll_csv_opts o;
	ll_csv_opts_default(&o);
	o.layout = (ll_csv_layout)9;
	LL_CHECK_INT(ll_csv_read_text("1\n", "l.csv", &o, &d, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "unknown layout 9");
}

/* Whitespace-delimited: a quoted field may hold blanks and be followed by
 * another field (issue 10, L2: it was refused as "unexpected '1' after a
 * closing quote"). */
static void test_csv_whitespace_quotes(void)
{
	ll_csv_data d;
	ll_err e;

	LL_CHECK_INT(ll_csv_read_text("\"first col\" second \"third\"\n1 2 3\n4\t\"5\"  6\n", "ws.csv", NULL, &d, &e),
		     LL_OK);
	LL_CHECK_MSG(d.layout == LL_CSV_MATRIX, "%s", e.msg);
	LL_CHECK(d.X.size == 6 && d.X.data[3] == 4 && d.X.data[4] == 5 && d.X.data[5] == 6);
	LL_CHECK(d.names[1] && d.names[1][0] && !strcmp(d.names[1][0], "first col") &&
		 !strcmp(d.names[1][2], "third"));
	ll_csv_data_free(&d);

	LL_CHECK_INT(ll_csv_read_text("neuron time trial value\n\"cell a\" 0 \"1\" 1.5\n\"cell b\"   0 1 \"2.5\"  \n",
				      "ws.csv", NULL, &d, &e),
		     LL_OK);
	LL_CHECK_MSG(d.layout == LL_CSV_LONG, "%s", e.msg);
	LL_CHECK(d.X.nmodes == 3 && d.X.dim[0] == 2 && d.X.data[0] == 1.5 && d.X.data[1] == 2.5);
	LL_CHECK(d.names[0] && !strcmp(d.names[0][0], "cell a") && !strcmp(d.names[0][1], "cell b"));
	ll_csv_data_free(&d);

	/* a quote glued to the next field is still wrong */
	LL_CHECK_INT(ll_csv_read_text("1 2\n3 \"4\"5\n", "ws.csv", NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "ws.csv:2: unexpected '5' after a closing quote");
}

/* An allocator (through the hook) that remembers the largest block asked
 * for and counts live blocks. */
static size_t rec_max, rec_live;

static void *rec_malloc(void *ud, size_t n)
{
	(void)ud;
	if (n > rec_max)
		rec_max = n;
	void *p = malloc(n);
	rec_live += p != NULL;
	return p;
}

static void *rec_realloc(void *ud, void *p, size_t n)
{
	(void)ud;
	if (n > rec_max)
		rec_max = n;
	return realloc(p, n);
}

static void rec_free(void *ud, void *p)
{
	(void)ud;
	rec_live--;
	free(p);
}

static const ll_allocator rec = {rec_malloc, rec_realloc, rec_free, NULL};

#define LIMIT ((size_t)1 << 20)

/* Read text (len bytes) with the recording allocator and a 1 MiB limit:
 * LL_ELIMIT with a one-line message containing sub, nothing asked for
 * above the limit, nothing left. */
static void check_limited(const char *text, size_t len, const char *sub)
{
	ll_csv_data d;
	ll_err e;
	ll_input_limit_set(LIMIT);
	rec_max = rec_live = 0;
	ll_alloc_set(&rec);
	int rc = ll_csv_read_mem(text, len, "big.csv", NULL, &d, &e);
	ll_alloc_set(NULL);
	ll_input_limit_set(0);
	LL_CHECK_INT(rc, LL_ELIMIT);
	LL_CHECK_CONTAINS(e.msg, sub);
	LL_CHECK_CONTAINS(e.msg, ", more than the input limit of 1.0 MiB (--max-input-bytes or LATENTLAB_MAX_INPUT_BYTES)");
	LL_CHECK(strchr(e.msg, '\n') == NULL);
	LL_CHECK_MSG(rec_max <= LIMIT, "a block of %zu bytes was asked for", rec_max);
	LL_CHECK_INT(rec_live, 0);
	LL_CHECK(d.X.data == NULL);
}

/* The input limit (issue 10, M2): a short long-format file with distinct
 * indices on every row implies a huge tensor, refused before it is
 * allocated; likewise a matrix of short cells, the rows kept while
 * reading, and the text itself. */
static void test_csv_limit(void)
{
	size_t cap = (size_t)3 << 20, n;
	char *t = malloc(cap);

	/* 128 rows, 2.4 KB: a 128 x 128 x 128 tensor, 16 MiB */
	n = (size_t)sprintf(t, "neuron,time,trial,value\n");
	for (int i = 0; i < 128; i++)
		n += (size_t)sprintf(t + n, "%d,%d,%d,1\n", i, i, i);
	check_limited(t, n, "big.csv: the rows imply a 128 x 128 x 128 (neurons x times x trials) float64 tensor "
			    "= 16.0 MiB decoded");

	/* 400 x 400 cells of "0": 320 KB of text, 1.2 MiB of doubles */
	n = 0;
	for (int i = 0; i < 400; i++)
		for (int j = 0; j < 400; j++) {
			t[n++] = '0';
			t[n++] = j < 399 ? ',' : '\n';
		}
	check_limited(t, n, "big.csv: the array is 400 x 400 float64 = 1.2 MiB decoded");

	/* 40 x 40 x 40 = 64000 rows: a 500 KiB tensor, but 3 MiB of rows */
	n = (size_t)sprintf(t, "neuron,time,trial,value\n");
	for (int i = 0; i < 40; i++)
		for (int j = 0; j < 40; j++)
			for (int k = 0; k < 40; k++)
				n += (size_t)sprintf(t + n, "%d,%d,%d,1\n", i, j, k);
	check_limited(t, n, "rows take");

	/* the text itself */
	memset(t, '#', (size_t)3 << 20);
	check_limited(t, (size_t)3 << 20, "big.csv: the text is 3.0 MiB");

	/* the same within the limit: read */
	ll_csv_data d;
	ll_err e;
	n = (size_t)sprintf(t, "neuron,time,trial,value\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)sprintf(t + n, "%d,%d,%d,1\n", i, i, i);
	ll_input_limit_set(LIMIT);
	LL_CHECK_INT(ll_csv_read_mem(t, n, "ok.csv", NULL, &d, &e), LL_OK);
	ll_input_limit_set(0);
	LL_CHECK_INT(d.X.size, 8000);
	ll_csv_data_free(&d);
	free(t);
}

/* From memory: no NUL needed at the end; a NUL inside is refused. */
static void test_csv_mem(void)
{
	ll_csv_data d;
	ll_err e;
	const char text[] = "1,2\n3,4\nGARBAGE";
	LL_CHECK_INT(ll_csv_read_mem(text, 8, "m.csv", NULL, &d, &e), LL_OK);
	LL_CHECK(d.X.size == 4 && d.X.data[3] == 4);
	ll_csv_data_free(&d);
	LL_CHECK_INT(ll_csv_read_mem("1,2\n3\0,4\n", 9, "m.csv", NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "m.csv:2: a NUL byte (not a text file)");
	LL_CHECK_INT(ll_csv_read_mem(NULL, 0, "m.csv", NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "m.csv: no data (empty file)");
}

static void test_csv_files(void)
{
	char path[] = "/tmp/ll_test_csv.XXXXXX";
	ll_csv_data d;
	ll_err e;
	int fd = mkstemp(path);

	LL_CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *fp = fdopen(fd, "w");
	/* a long file, bigger than one read buffer */
	fprintf(fp, "neuron,time,trial,value\r\n");
	for (int n = 0; n < 30; n++)
		for (int t = 0; t < 40; t++)
			for (int k = 0; k < 20; k++)
				fprintf(fp, "%d,%d,%d,%d.25\r\n", n, t, k, n * 1000 + t * 10 + k);
	fclose(fp);
	LL_CHECK_INT(ll_csv_read(path, NULL, &d, &e), LL_OK);
	LL_CHECK_INT(d.X.dim[0], 30);
	LL_CHECK_INT(d.X.dim[1], 40);
	LL_CHECK_INT(d.X.dim[2], 20);
	LL_CHECK_INT(d.n_missing, 0);
	LL_CHECK(at3(&d, 29, 39, 19) == 29000 + 390 + 19 + 0.25);
	LL_CHECK(at3(&d, 3, 7, 11) == 3000 + 70 + 11 + 0.25);
	ll_csv_data_free(&d);

	/* errors carry the path as given */
	fp = fopen(path, "w");
	fprintf(fp, "neuron,time,trial,value\n0,0,0,1\n0,0,0,2\n");
	fclose(fp);
	LL_CHECK_INT(ll_csv_read(path, NULL, &d, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, path);
	LL_CHECK_CONTAINS(e.msg, ":3: duplicate entry neuron '0', time '0', trial '0' (first on line 2)");
	unlink(path);
	LL_CHECK_INT(ll_csv_read(path, NULL, &d, &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "cannot open");
	LL_CHECK_INT(ll_csv_read(NULL, NULL, &d, &e), LL_EINVAL);
}

int main(void)
{
	LL_RUN(test_csv_long_basic);
	LL_RUN(test_csv_whitespace_quotes);
	LL_RUN(test_csv_limit);
	LL_RUN(test_csv_mem);
	LL_RUN(test_csv_long_columns_and_indices);
	LL_RUN(test_csv_missing_values);
	LL_RUN(test_csv_conditions);
	LL_RUN(test_csv_matrix);
	LL_RUN(test_csv_errors);
	LL_RUN(test_csv_files);
	return ll_test_done();
}
