/* HDF5 datasets as tensors (see ll_hdf5.h). */
#include "config.h"

#include "io/ll_hdf5.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_alloc.h"
#include "base/ll_limits.h"

#ifdef HAVE_HDF5
#include <hdf5.h>
#endif

static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

int ll_hdf5_available(void)
{
#ifdef HAVE_HDF5
	return 1;
#else
	return 0;
#endif
}

int ll_hdf5_sniff(const unsigned char *m, size_t n)
{
	return n >= sizeof signature && memcmp(m, signature, sizeof signature) == 0;
}

int ll_hdf5_is(const char *path)
{
	struct stat st;
	unsigned char m[8];
	int yes = 0;
	FILE *fp;

	/* only regular files: peeking at a pipe would eat its bytes */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(fp = fopen(path, "rb")))
		return 0;
	/* the superblock sits at 0 or, after a user block, at 512, 1024, ... */
	for (long off = 0; !yes && off <= (1L << 30); off = off ? off * 2 : 512) {
		if (fseek(fp, off, SEEK_SET) != 0 || fread(m, 1, sizeof m, fp) != sizeof m)
			break;
		yes = ll_hdf5_sniff(m, sizeof m);
	}
	fclose(fp);
	return yes;
}

void ll_hdf5_list_free(ll_hdf5_list *l)
{
	if (!l)
		return;
	for (size_t k = 0; k < l->n; k++)
		ll_free(l->e[k].name);
	ll_free(l->e);
	memset(l, 0, sizeof *l);
}

int ll_hdf5_check(const char *path, ll_err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	fclose(fp);
	if (!ll_hdf5_is(path))
		return ll_err_set(err, LL_EFORMAT, "%s: not an HDF5 file (no HDF5 signature)", path);
	if (!ll_hdf5_available())
		return ll_err_set(err, LL_ENOTSUP,
				  "%s: an HDF5 file, but latentlab was built without HDF5 (install libhdf5-dev, ./configure --with-hdf5)",
				  path);
	return LL_OK;
}

#ifdef HAVE_HDF5

/* NumPy's spelling of an HDF5 numeric type, or a word for the others;
 * 1 if numeric. */
static int type_name(hid_t ty, char *buf, size_t n)
{
	H5T_class_t cls = H5Tget_class(ty);
	size_t sz = H5Tget_size(ty);
	H5T_order_t ord = H5Tget_order(ty);
	char o = sz == 1 ? '|' : ord == H5T_ORDER_BE ? '>' : '<';

	switch (cls) {
	case H5T_INTEGER:
		snprintf(buf, n, "%c%c%zu", o, H5Tget_sign(ty) == H5T_SGN_NONE ? 'u' : 'i', sz);
		return 1;
	case H5T_FLOAT:
		snprintf(buf, n, "%cf%zu", o, sz);
		return 1;
	default:
		break;
	}
	/* the other classes, named for the listing and the refusal */
	static const struct {
		H5T_class_t cls;
		const char *name;
	} other[] = {
		{H5T_STRING, "string"}, {H5T_COMPOUND, "compound"}, {H5T_ENUM, "enum"},
		{H5T_REFERENCE, "reference"}, {H5T_ARRAY, "array"}, {H5T_VLEN, "vlen"},
		{H5T_BITFIELD, "bitfield"}, {H5T_OPAQUE, "opaque"},
	};
	const char *word = "unknown";
	for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
		if (other[k].cls == cls)
			word = other[k].name;
	snprintf(buf, n, "%s", word);
	return 0;
}

static hid_t open_file(const char *path, ll_err *err)
{
	hid_t f;
	/* HDF5 prints its error stack to stderr by default; ours is one line */
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0)
		ll_err_set(err, LL_EFORMAT, "%s: HDF5 cannot open it (damaged or truncated file)", path);
	return f;
}

/* The dataset name of file f (opened from path) into *out: LL_OK, else
 * the error. */
static int open_dataset(hid_t f, const char *path, const char *name, hid_t *out, ll_err *err)
{
	hid_t o;
	H5I_type_t ty;

	*out = -1;
	if (!name || !*name)
		return ll_err_set(err, LL_EINVAL, "%s: no dataset named (a path in the file, e.g. /data)", path);
	/* H5Lexists fails on a missing group along the way: walk the path */
	if (strcmp(name, "/") != 0) {
		char *p = ll_strdup(name);
		int exists = 1;
		if (!p)
			return ll_err_oom(err);
		for (char *s = p + (p[0] == '/'); exists; s++) {
			char *slash = strchr(s, '/');
			if (slash)
				*slash = '\0';
			exists = *s ? H5Lexists(f, p, H5P_DEFAULT) > 0 : 1;
			if (!slash)
				break;
			*slash = '/';
			s = slash;
		}
		ll_free(p);
		if (!exists)
			return ll_err_set(err, LL_EINVAL, "%s: no dataset %s in the file", path, name);
	}
	o = H5Oopen(f, name, H5P_DEFAULT);
	if (o < 0)
		return ll_err_set(err, LL_EINVAL, "%s: %s cannot be opened (a dangling or external link?)", path, name);
	ty = H5Iget_type(o);
	if (ty != H5I_DATASET) {
		H5Oclose(o);
		return ll_err_set(err, LL_EINVAL, "%s: %s is %s, not a dataset", path, name,
				  ty == H5I_GROUP ? "a group" : ty == H5I_DATATYPE ? "a named datatype" : "no dataset");
	}
	*out = o;
	return LL_OK;
}

static void shape_text(int nd, const size_t *dim, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	if (nd == 0)
		snprintf(buf, n, "a scalar");
	for (int k = 0; k < nd && off < n; k++)
		off += (size_t)snprintf(buf + off, n - off, "%s%zu", k ? " x " : "", dim[k]);
}

/* Read the (hyperslab of the) open dataset d into t. */
static int read_dataset(hid_t d, const char *path, const char *name, const ll_hdf5_sel *sel,
			ll_tensor *t, ll_array_info *info, ll_err *err)
{
	hid_t ty = -1, fs = -1, ms = -1;
	hsize_t dims[H5S_MAX_RANK], start[LL_MAX_MODES], count[LL_MAX_MODES];
	size_t want[LL_MAX_MODES];
	char dt[16];
	int rc = LL_OK, nd, numeric, nm;

	ty = H5Dget_type(d);
	fs = H5Dget_space(d);
	if (ty < 0 || fs < 0) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: %s: HDF5 cannot read its type or shape", path, name);
		goto out;
	}
	numeric = type_name(ty, dt, sizeof dt);
	if (!numeric) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: %s holds %s, not numbers", path, name, dt);
		goto out;
	}
	if (H5Sget_simple_extent_type(fs) == H5S_NULL) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: %s is empty (a null dataspace)", path, name);
		goto out;
	}
	nd = H5Sget_simple_extent_ndims(fs);
	if (nd < 0 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: %s: HDF5 cannot read its shape", path, name);
		goto out;
	}
	if (info) {
		memset(info, 0, sizeof *info);
		snprintf(info->dtype, sizeof info->dtype, "%s", dt);
		info->ndim = nd;
		for (int k = 0; k < nd && k < LL_MAX_MODES; k++)
			info->shape[k] = (size_t)dims[k];
	}
	if (nd > LL_MAX_MODES) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: %s has %d dimensions, more than %d", path, name, nd,
				LL_MAX_MODES);
		goto out;
	}
	for (int k = 0; k < nd; k++) {
		if (dims[k] == 0) {
			size_t sd[LL_MAX_MODES];
			char sh[128];
			for (int j = 0; j < nd; j++)
				sd[j] = (size_t)dims[j];
			shape_text(nd, sd, sh, sizeof sh);
			rc = ll_err_set(err, LL_ESHAPE, "%s: %s is empty (shape %s)", path, name, sh);
			goto out;
		}
	}
	if (sel && sel->n && sel->n != nd) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: %s has %d dimension%s but the hyperslab gives %d", path, name,
				nd, nd == 1 ? "" : "s", sel->n);
		goto out;
	}
	for (int k = 0; k < nd; k++) {
		size_t s0 = sel && sel->n ? sel->start[k] : 0, c = sel && sel->n ? sel->count[k] : 0;
		if (s0 >= dims[k]) {
			rc = ll_err_set(err, LL_ESHAPE, "%s: %s: hyperslab start %zu of dimension %d is past its size %llu",
					path, name, s0, k + 1, (unsigned long long)dims[k]);
			goto out;
		}
		if (c == 0)
			c = (size_t)dims[k] - s0;
		if (c > dims[k] - s0) {
			rc = ll_err_set(err, LL_ESHAPE,
					"%s: %s: hyperslab start %zu + count %zu of dimension %d is past its size %llu",
					path, name, s0, c, k + 1, (unsigned long long)dims[k]);
			goto out;
		}
		start[k] = s0;
		count[k] = c;
		want[k] = c;
	}
	nm = nd ? nd : 1;
	if (nd == 0)
		want[0] = 1;
	{
		size_t n = 1, limit = ll_input_limit();
		int over = 0;
		for (int k = 0; k < nm; k++) {
			if (want[k] && n > ((size_t)-1 / 8) / want[k])
				over = 1;
			else
				n *= want[k];
		}
		if (over || n * 8 > limit) {
			char sh[128], by[32];
			shape_text(nm, want, sh, sizeof sh);
			if (over)
				snprintf(by, sizeof by, "more than 16 EiB");
			else
				ll_bytes_text((double)n * 8.0, by, sizeof by);
			rc = ll_err_limit(err, limit, "%s: %s%s is %s float64 = %s decoded", path,
					  sel && sel->n ? "the hyperslab of " : "", name, sh, by);
			goto out;
		}
	}
	if ((rc = ll_tensor_init(t, nm, want, err)) != LL_OK)
		goto out;
	if (nd > 0) {
		ms = H5Screate_simple(nd, count, NULL);
		if (ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
			rc = ll_err_set(err, LL_EFORMAT, "%s: %s: HDF5 cannot select the hyperslab", path, name);
			goto out;
		}
	}
	/* HDF5 converts any integer or float type (and unchunks/inflates) */
	if (H5Dread(d, H5T_NATIVE_DOUBLE, nd > 0 ? ms : H5S_ALL, nd > 0 ? fs : H5S_ALL, H5P_DEFAULT, t->data) < 0)
		rc = ll_err_set(err, LL_EFORMAT, "%s: %s: HDF5 cannot read the data (damaged, or a filter it lacks)",
				path, name);
out:
	if (ms >= 0)
		H5Sclose(ms);
	if (fs >= 0)
		H5Sclose(fs);
	if (ty >= 0)
		H5Tclose(ty);
	if (rc != LL_OK)
		ll_tensor_free(t);
	return rc;
}

int ll_hdf5_read(const char *path, const char *dataset, const ll_hdf5_sel *sel, ll_tensor *t,
		 ll_array_info *info, ll_err *err)
{
	hid_t f, d;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = ll_hdf5_check(path, err)) != LL_OK)
		return rc;
	if ((f = open_file(path, err)) < 0)
		return LL_EFORMAT;
	if ((rc = open_dataset(f, path, dataset, &d, err)) != LL_OK) {
		H5Fclose(f);
		return rc;
	}
	rc = read_dataset(d, path, dataset, sel, t, info, err);
	H5Oclose(d);
	H5Fclose(f);
	return rc;
}

int ll_hdf5_has(const char *path, const char *dataset)
{
	hid_t f, d;
	int yes;

	if (ll_hdf5_check(path, NULL) != LL_OK || (f = open_file(path, NULL)) < 0)
		return 0;
	yes = open_dataset(f, path, dataset, &d, NULL) == LL_OK;
	if (yes)
		H5Oclose(d);
	H5Fclose(f);
	return yes;
}

typedef struct list_ctx {
	ll_hdf5_list *l;
	size_t cap;
	int rc;
} list_ctx;

static herr_t visit(hid_t g, const char *name, const H5L_info_t *li, void *op)
{
	list_ctx *c = op;
	ll_hdf5_entry *e;
	hid_t o, ty, sp, pl;
	hsize_t dims[H5S_MAX_RANK];
	int nd;

	if (li->type != H5L_TYPE_HARD)
		return 0;
	o = H5Oopen(g, name, H5P_DEFAULT);
	if (o < 0)
		return 0;
	if (H5Iget_type(o) != H5I_DATASET) {
		H5Oclose(o);
		return 0;
	}
	if (c->l->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		ll_hdf5_entry *ne = ll_realloc(c->l->e, cap * sizeof *ne);
		if (!ne) {
			H5Oclose(o);
			c->rc = LL_ENOMEM;
			return -1;
		}
		c->l->e = ne;
		c->cap = cap;
	}
	e = &c->l->e[c->l->n];
	memset(e, 0, sizeof *e);
	e->name = ll_malloc(strlen(name) + 2);
	if (!e->name) {
		H5Oclose(o);
		c->rc = LL_ENOMEM;
		return -1;
	}
	e->name[0] = '/';
	strcpy(e->name + 1, name);
	c->l->n++;
	ty = H5Dget_type(o);
	if (ty >= 0) {
		e->numeric = type_name(ty, e->dtype, sizeof e->dtype);
		H5Tclose(ty);
	} else {
		snprintf(e->dtype, sizeof e->dtype, "unknown");
	}
	sp = H5Dget_space(o);
	if (sp >= 0) {
		nd = H5Sget_simple_extent_ndims(sp);
		if (nd >= 0 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0) {
			e->ndim = nd;
			for (int k = 0; k < nd && k < H5S_MAX_RANK; k++)
				e->shape[k] = (size_t)dims[k];
		}
		H5Sclose(sp);
	}
	pl = H5Dget_create_plist(o);
	if (pl >= 0) {
		e->chunked = H5Pget_layout(pl) == H5D_CHUNKED;
		e->compressed = H5Pget_nfilters(pl) > 0;
		H5Pclose(pl);
	}
	H5Oclose(o);
	return 0;
}

int ll_hdf5_list_read(const char *path, ll_hdf5_list *out, ll_err *err)
{
	list_ctx c = {.l = out, .cap = 0, .rc = LL_OK};
	hid_t f;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = ll_hdf5_check(path, err)) != LL_OK)
		return rc;
	if ((f = open_file(path, err)) < 0)
		return LL_EFORMAT;
	if (H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, &c) < 0) {
		rc = c.rc == LL_ENOMEM ? ll_err_oom(err)
				       : ll_err_set(err, LL_EFORMAT, "%s: HDF5 cannot walk its groups (damaged file)", path);
		ll_hdf5_list_free(out);
	}
	H5Fclose(f);
	return rc;
}

#else /* no HDF5 */

int ll_hdf5_read(const char *path, const char *dataset, const ll_hdf5_sel *sel, ll_tensor *t,
		 ll_array_info *info, ll_err *err)
{
	(void)dataset;
	(void)sel;
	(void)info;
	memset(t, 0, sizeof *t);
	int rc = ll_hdf5_check(path, err);
	return rc != LL_OK ? rc : ll_err_set(err, LL_ENOTSUP, "%s: latentlab was built without HDF5", path);
}

int ll_hdf5_has(const char *path, const char *dataset)
{
	(void)path;
	(void)dataset;
	return 0;
}

int ll_hdf5_list_read(const char *path, ll_hdf5_list *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	int rc = ll_hdf5_check(path, err);
	return rc != LL_OK ? rc : ll_err_set(err, LL_ENOTSUP, "%s: latentlab was built without HDF5", path);
}

#endif
