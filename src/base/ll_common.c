#include "base/ll_common.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ll_err_set(ll_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int ll_err_prefix(ll_err *err, const char *fmt, ...)
{
	char old[LL_ERRMSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return LL_OK;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	/* append ": old", cut to fit */
	if (n >= 0 && (size_t)n < sizeof err->msg - 2) {
		size_t len = (size_t)n, room = sizeof err->msg - len - 1;
		err->msg[len++] = ':';
		err->msg[len++] = ' ';
		room -= 2;
		size_t ol = strlen(old);
		if (ol > room)
			ol = room;
		memcpy(err->msg + len, old, ol);
		err->msg[len + ol] = '\0';
	}
	return err->code;
}

int ll_err_oom(ll_err *err)
{
	return ll_err_set(err, LL_ENOMEM, "out of memory");
}

void ll_err_clear(ll_err *err)
{
	if (err) {
		err->code = LL_OK;
		err->msg[0] = '\0';
	}
}

const char *ll_strerror(int code)
{
#define LL_STATUS_MSG_(name, value, msg) case value: return msg;
	switch (code) { LL_STATUS_MAP(LL_STATUS_MSG_) }
#undef LL_STATUS_MSG_
	return "unknown error";
}

const char *ll_status_name(int code)
{
#define LL_STATUS_NAME_(name, value, msg) case value: return #name;
	switch (code) { LL_STATUS_MAP(LL_STATUS_NAME_) }
#undef LL_STATUS_NAME_
	return "LL_UNKNOWN";
}

int ll_name_lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int k = 0; k < n; k++) {
		const char *a = names[k], *b = s;
		while (*a && *b && (tolower((unsigned char)*b) == tolower((unsigned char)*a) ||
				    (*b == '_' && *a == '-'))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return k;
	}
	return -1;
}

int ll_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double ll_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ll_quantile_sorted(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}
