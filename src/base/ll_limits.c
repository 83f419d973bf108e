/* The input limit (see ll_limits.h). */
#include "base/ll_limits.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Process-wide configuration (see ll_limits.h): written only by
 * ll_input_limit_set, at start-up; 0 = the default. */
static size_t limit_set;

void ll_input_limit_set(size_t bytes)
{
	limit_set = bytes;
}

static size_t default_limit(void)
{
	long pages = -1, psize = -1;
#ifdef _SC_PHYS_PAGES
	pages = sysconf(_SC_PHYS_PAGES);
#endif
#ifdef _SC_PAGESIZE
	psize = sysconf(_SC_PAGESIZE);
#endif
	size_t phys;
	if (pages <= 0 || psize <= 0)
		return (size_t)1 << 30;
	if (!ll_mul_ok((size_t)pages, (size_t)psize, &phys))
		phys = SIZE_MAX;
	return phys / 2 > LL_INPUT_LIMIT_MIN ? phys / 2 : LL_INPUT_LIMIT_MIN;
}

size_t ll_input_limit(void)
{
	size_t v;
	const char *env;

	if (limit_set)
		return limit_set;
	env = getenv(LL_INPUT_LIMIT_ENV);
	if (env && ll_parse_bytes(env, &v) == 0)
		return v;
	return default_limit();
}

int ll_parse_bytes(const char *s, size_t *out)
{
	static const char units[] = "KMGT";
	size_t v = 0, mult = 1;
	const char *p = s;

	if (!s || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (SIZE_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*p) {
		const char *u = strchr(units, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		if (u && *p) {
			for (const char *k = units; k <= u; k++)
				mult *= 1024;
			p++;
			if (*p == 'i' && (p[1] == 'B' || p[1] == 'b'))
				p += 2;
			else if (*p == 'B' || *p == 'b')
				p++;
		} else if (*p == 'B' || *p == 'b') {
			p++;
		}
	}
	if (*p || v == 0 || !ll_mul_ok(v, mult, &v))
		return -1;
	*out = v;
	return 0;
}

void ll_bytes_text(double bytes, char *buf, size_t n)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int k = -1;

	if (bytes < 1024) {
		snprintf(buf, n, "%.0f B", bytes);
		return;
	}
	while (k < 5 && bytes >= 1024) {
		bytes /= 1024;
		k++;
	}
	snprintf(buf, n, "%.1f %s", bytes, unit[k]);
}

int ll_err_limit(ll_err *err, size_t limit, const char *fmt, ...)
{
	if (err) {
		char what[LL_ERRMSG_MAX], lim[32];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		ll_bytes_text((double)limit, lim, sizeof lim);
		ll_err_set(err, LL_ELIMIT, "%s, more than the input limit of %s (--max-input-bytes or %s)",
			   what, lim, LL_INPUT_LIMIT_ENV);
	}
	return LL_ELIMIT;
}
