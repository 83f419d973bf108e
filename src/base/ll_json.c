#include "base/ll_json.h"

#include <inttypes.h>
#include <math.h>

void ll_json_init(ll_json *j, FILE *fp, int pretty)
{
	j->fp = fp;
	j->depth = 0;
	j->first[0] = 1;
	j->after_key = 0;
	j->pretty = pretty;
}

static void newline(ll_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->fp);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->fp);
}

/* Before any value or key: comma and indentation as needed. */
static void sep(ll_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->fp);
	j->first[j->depth] = 0;
	if (j->depth > 0)
		newline(j);
}

static void open(ll_json *j, int c)
{
	sep(j);
	fputc(c, j->fp);
	if (j->depth < LL_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(ll_json *j, int c)
{
	int empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->fp);
	if (j->depth == 0 && j->pretty)
		fputc('\n', j->fp);
}

void ll_json_obj_begin(ll_json *j) { open(j, '{'); }
void ll_json_obj_end(ll_json *j) { close_(j, '}'); }
void ll_json_arr_begin(ll_json *j) { open(j, '['); }
void ll_json_arr_end(ll_json *j) { close_(j, ']'); }

void ll_json_escape(FILE *fp, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (*p < 0x20)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
}

void ll_json_key(ll_json *j, const char *key)
{
	sep(j);
	fputc('"', j->fp);
	ll_json_escape(j->fp, key);
	fputs(j->pretty ? "\": " : "\":", j->fp);
	j->after_key = 1;
}

void ll_json_str(ll_json *j, const char *s)
{
	sep(j);
	if (!s) {
		fputs("null", j->fp);
		return;
	}
	fputc('"', j->fp);
	ll_json_escape(j->fp, s);
	fputc('"', j->fp);
}

void ll_json_num(ll_json *j, double v)
{
	sep(j);
	if (!isfinite(v))
		fputs("null", j->fp);
	else
		fprintf(j->fp, "%.17g", v);
}

void ll_json_int(ll_json *j, long long v)
{
	sep(j);
	fprintf(j->fp, "%lld", v);
}

void ll_json_u64(ll_json *j, uint64_t v)
{
	/* a string: JSON readers may hold numbers as doubles (53 bits) */
	sep(j);
	fprintf(j->fp, "\"%" PRIu64 "\"", v);
}

void ll_json_bool(ll_json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->fp);
}

void ll_json_null(ll_json *j)
{
	sep(j);
	fputs("null", j->fp);
}

void ll_json_kv_str(ll_json *j, const char *key, const char *s)
{
	ll_json_key(j, key);
	ll_json_str(j, s);
}

void ll_json_kv_num(ll_json *j, const char *key, double v)
{
	ll_json_key(j, key);
	ll_json_num(j, v);
}

void ll_json_kv_int(ll_json *j, const char *key, long long v)
{
	ll_json_key(j, key);
	ll_json_int(j, v);
}

void ll_json_size_array(ll_json *j, const size_t *v, size_t n)
{
	ll_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ll_json_int(j, (long long)v[i]);
	ll_json_arr_end(j);
}

void ll_json_num_array(ll_json *j, const double *v, size_t n)
{
	int pretty = j->pretty;
	ll_json_arr_begin(j);
	j->pretty = 0; /* numbers on one line */
	for (size_t i = 0; i < n; i++)
		ll_json_num(j, v[i]);
	ll_json_arr_end(j);
	j->pretty = pretty;
}
