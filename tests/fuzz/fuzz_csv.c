/* libFuzzer harness: CSV text from memory (ll_csv_read_mem).  The first
 * byte picks the options (layout: auto, long, matrix; delimiter: sniffed,
 * ',', tab, ';', blanks); the rest is the text. */
#include <math.h>

#include "fuzz.h"
#include "io/ll_csv.h"

LL_FUZZ_TARGET(csv)
{
	static const char delims[] = {0, ',', '\t', ';', ' '};
	ll_csv_opts o;
	ll_csv_data d;
	ll_err e;

	if (size < 1)
		return 0;
	ll_csv_opts_default(&o);
	o.layout = (ll_csv_layout)(data[0] % 3);
	o.delim = delims[data[0] / 3 % 5];
	ll_err_clear(&e);
	int rc = ll_csv_read_mem(data + 1, size - 1, "fuzz.csv", &o, &d, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.csv");
	ll_fuzz_check_tensor(rc, &d.X);
	if (rc == LL_OK) {
		size_t nan = 0;
		LL_FUZZ_CHECK(d.layout == LL_CSV_LONG || d.layout == LL_CSV_MATRIX);
		LL_FUZZ_CHECK(d.X.nmodes == (d.layout == LL_CSV_LONG ? 3 : 2));
		for (size_t i = 0; i < d.X.size; i++)
			nan += isnan(d.X.data[i]) != 0;
		LL_FUZZ_CHECK(nan == d.n_missing);
		/* names: one per index, NULL-terminated */
		for (int m = 0; m < 3; m++) {
			size_t k = 0;
			while (d.names[m] && d.names[m][k])
				k++;
			LL_FUZZ_CHECK(!d.names[m] || k == d.X.dim[m]);
		}
		LL_FUZZ_CHECK(!d.labels || d.nlabels == d.X.dim[2]);
	} else {
		LL_FUZZ_CHECK(d.names[0] == NULL && d.labels == NULL && d.n_rows == 0);
	}
	ll_csv_data_free(&d);
	return 0;
}
