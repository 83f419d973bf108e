/*
 * ll_json.h - a streaming JSON writer (no reader).  Writes to a FILE*;
 * commas, nesting and string escaping are handled here so callers only
 * name keys and values.  Doubles print with %.17g (round-trip exact);
 * NaN and Inf print as null, since JSON has no spelling for them.
 */
#ifndef LL_JSON_H
#define LL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LL_JSON_MAX_DEPTH 32

typedef struct ll_json {
	FILE *fp;
	int depth;
	int first[LL_JSON_MAX_DEPTH]; /* no element written yet at this depth */
	int after_key;                /* a key was just written */
	int pretty;                   /* indent with two spaces */
} ll_json;

void ll_json_init(ll_json *j, FILE *fp, int pretty);
void ll_json_obj_begin(ll_json *j);
void ll_json_obj_end(ll_json *j);
void ll_json_arr_begin(ll_json *j);
void ll_json_arr_end(ll_json *j);
void ll_json_key(ll_json *j, const char *key);
void ll_json_str(ll_json *j, const char *s);
void ll_json_num(ll_json *j, double v);
void ll_json_int(ll_json *j, long long v);
void ll_json_u64(ll_json *j, uint64_t v); /* as a decimal string: seeds exceed 2^53 */
void ll_json_bool(ll_json *j, int v);
void ll_json_null(ll_json *j);
/* Convenience: "key": value inside an object. */
void ll_json_kv_str(ll_json *j, const char *key, const char *s);
void ll_json_kv_num(ll_json *j, const char *key, double v);
void ll_json_kv_int(ll_json *j, const char *key, long long v);
void ll_json_num_array(ll_json *j, const double *v, size_t n);
/* An array of sizes (a shape), laid out like any other array. */
void ll_json_size_array(ll_json *j, const size_t *v, size_t n);
/* Write s escaped as a JSON string body (no quotes) to fp. */
void ll_json_escape(FILE *fp, const char *s);

#endif
