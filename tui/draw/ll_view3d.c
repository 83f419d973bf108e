/*
 * ll_view3d.c - 3-D view state, projection and trajectory rendering (see
 * ll_view3d.h for the conventions).
 */
#include "draw/ll_view3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ll_view3d_reset(ll_view3d *v)
{
	v->azimuth = LL_VIEW3D_AZ0;
	v->elevation = LL_VIEW3D_EL0;
	v->zoom = 1.0;
	v->perspective = 0;
	v->auto_rotate = 0;
}

int ll_view3d_action_for_key(int ch)
{
	switch (ch) {
	case 'h': return LL_VIEW3D_AZ_MINUS;
	case 'l': return LL_VIEW3D_AZ_PLUS;
	case 'H': return LL_VIEW3D_AZ_MINUS_FINE;
	case 'L': return LL_VIEW3D_AZ_PLUS_FINE;
	case 'j': return LL_VIEW3D_EL_MINUS;
	case 'k': return LL_VIEW3D_EL_PLUS;
	case 'J': return LL_VIEW3D_EL_MINUS_FINE;
	case 'K': return LL_VIEW3D_EL_PLUS_FINE;
	case '+': case '=': return LL_VIEW3D_ZOOM_IN;
	case '-': case '_': return LL_VIEW3D_ZOOM_OUT;
	case 'p': return LL_VIEW3D_PERSPECTIVE;
	case 'r': case '0': return LL_VIEW3D_RESET;
	case 'a': return LL_VIEW3D_AUTO;
	case '1': return LL_VIEW3D_SNAP_XY;
	case '2': return LL_VIEW3D_SNAP_XZ;
	case '3': return LL_VIEW3D_SNAP_YZ;
	default: return LL_VIEW3D_NONE;
	}
}

void ll_view3d_normalize(ll_view3d *v)
{
	if (!isfinite(v->azimuth))
		v->azimuth = LL_VIEW3D_AZ0;
	if (isnan(v->elevation))
		v->elevation = LL_VIEW3D_EL0;
	if (isnan(v->zoom))
		v->zoom = 1.0;
	double a = fmod(v->azimuth, 360.0); /* exact for our multiples of 5 */
	if (a > 180.0)
		a -= 360.0;
	else if (a <= -180.0)
		a += 360.0;
	v->azimuth = a;
	if (v->elevation > 90.0)
		v->elevation = 90.0;
	if (v->elevation < -90.0)
		v->elevation = -90.0;
	if (v->zoom < LL_VIEW3D_ZOOM_MIN)
		v->zoom = LL_VIEW3D_ZOOM_MIN;
	if (v->zoom > LL_VIEW3D_ZOOM_MAX)
		v->zoom = LL_VIEW3D_ZOOM_MAX;
}

int ll_view3d_apply(ll_view3d *v, int action)
{
	ll_view3d old = *v;
	switch (action) {
	case LL_VIEW3D_AZ_MINUS: v->azimuth -= LL_VIEW3D_STEP; break;
	case LL_VIEW3D_AZ_PLUS: v->azimuth += LL_VIEW3D_STEP; break;
	case LL_VIEW3D_AZ_MINUS_FINE: v->azimuth -= LL_VIEW3D_FINE; break;
	case LL_VIEW3D_AZ_PLUS_FINE: v->azimuth += LL_VIEW3D_FINE; break;
	case LL_VIEW3D_EL_MINUS: v->elevation -= LL_VIEW3D_STEP; break;
	case LL_VIEW3D_EL_PLUS: v->elevation += LL_VIEW3D_STEP; break;
	case LL_VIEW3D_EL_MINUS_FINE: v->elevation -= LL_VIEW3D_FINE; break;
	case LL_VIEW3D_EL_PLUS_FINE: v->elevation += LL_VIEW3D_FINE; break;
	case LL_VIEW3D_ZOOM_IN: v->zoom *= LL_VIEW3D_ZOOM_STEP; break;
	case LL_VIEW3D_ZOOM_OUT: v->zoom /= LL_VIEW3D_ZOOM_STEP; break;
	case LL_VIEW3D_PERSPECTIVE: v->perspective = !v->perspective; break;
	case LL_VIEW3D_RESET: ll_view3d_reset(v); break;
	case LL_VIEW3D_AUTO: v->auto_rotate = !v->auto_rotate; break;
	case LL_VIEW3D_SNAP_XY: v->azimuth = 0.0; v->elevation = 90.0; break;
	case LL_VIEW3D_SNAP_XZ: v->azimuth = 0.0; v->elevation = 0.0; break;
	case LL_VIEW3D_SNAP_YZ: v->azimuth = -90.0; v->elevation = 0.0; break;
	default: return 0;
	}
	ll_view3d_normalize(v);
	return memcmp(&old, v, sizeof old) != 0;
}

void ll_view3d_tick(ll_view3d *v, double dt)
{
	if (!v->auto_rotate || !(dt > 0.0))
		return;
	v->azimuth += LL_VIEW3D_SPIN_DPS * dt;
	ll_view3d_normalize(v);
}

int ll_view3d_format(const ll_view3d *v, char *buf, size_t n)
{
	return snprintf(buf, n, "az=%.10g el=%.10g zoom=%.10g proj=%s", v->azimuth, v->elevation,
			v->zoom, v->perspective ? "persp" : "ortho");
}

int ll_view3d_parse(ll_view3d *v, const char *s, ll_err *err)
{
	ll_view3d t;
	ll_view3d_reset(&t);
	if (!s)
		return ll_err_set(err, LL_EINVAL, "view: no view string");
	const char *p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t klen = strcspn(p, "= \t,");
		if (p[klen] != '=')
			return ll_err_set(err, LL_EINVAL, "view: \"%.*s\" is not key=value",
					  (int)klen, p);
		const char *val = p + klen + 1;
		size_t vlen = strcspn(val, " \t,");
		if (klen == 4 && strncmp(p, "proj", 4) == 0) {
			if (vlen == 5 && strncmp(val, "ortho", 5) == 0)
				t.perspective = 0;
			else if (vlen == 5 && strncmp(val, "persp", 5) == 0)
				t.perspective = 1;
			else
				return ll_err_set(err, LL_EINVAL,
						  "view: proj=%.*s is not ortho or persp",
						  (int)vlen, val);
		} else {
			double *dst = NULL;
			if (klen == 2 && strncmp(p, "az", 2) == 0)
				dst = &t.azimuth;
			else if (klen == 2 && strncmp(p, "el", 2) == 0)
				dst = &t.elevation;
			else if (klen == 4 && strncmp(p, "zoom", 4) == 0)
				dst = &t.zoom;
			else
				return ll_err_set(err, LL_EINVAL, "view: unknown field \"%.*s\"",
						  (int)klen, p);
			char num[64], *end;
			if (vlen == 0 || vlen >= sizeof num)
				return ll_err_set(err, LL_EINVAL, "view: bad value for %.*s",
						  (int)klen, p);
			memcpy(num, val, vlen);
			num[vlen] = '\0';
			double d = strtod(num, &end);
			if (*end || !isfinite(d) || (dst == &t.zoom && !(d > 0.0)))
				return ll_err_set(err, LL_EINVAL, "view: bad value %.*s=%s",
						  (int)klen, p, num);
			*dst = d;
		}
		p = val + vlen;
	}
	ll_view3d_normalize(&t);
	t.auto_rotate = 0;
	*v = t;
	return LL_OK;
}

/* sin and cos of an angle in degrees, exact at multiples of 90 */
static void sincos_deg(double deg, double *s, double *c)
{
	double q = deg / 90.0;
	if (q == floor(q) && fabs(q) < 1e9) {
		static const double tab_s[4] = {0, 1, 0, -1}, tab_c[4] = {1, 0, -1, 0};
		long k = ((long)q % 4 + 4) % 4;
		*s = tab_s[k];
		*c = tab_c[k];
		return;
	}
	double r = deg * (M_PI / 180.0);
	*s = sin(r);
	*c = cos(r);
}

void ll_view3d_rotation(const ll_view3d *v, double R[3][3])
{
	double sa, ca, se, ce;
	sincos_deg(v->azimuth, &sa, &ca);
	sincos_deg(v->elevation, &se, &ce);
	/* Rx(e) * Rz(a) */
	R[0][0] = ca;      R[0][1] = -sa;     R[0][2] = 0.0;
	R[1][0] = ce * sa; R[1][1] = ce * ca; R[1][2] = -se;
	R[2][0] = se * sa; R[2][1] = se * ca; R[2][2] = ce;
}

void ll_proj_bounds(const double *xyz, size_t n, double centre[3], double *radius)
{
	double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
	size_t nf = 0;
	for (size_t i = 0; i < n; i++) {
		const double *p = xyz + 3 * i;
		if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]))
			continue;
		nf++;
		for (int a = 0; a < 3; a++) {
			if (p[a] < lo[a]) lo[a] = p[a];
			if (p[a] > hi[a]) hi[a] = p[a];
		}
	}
	if (nf == 0) {
		centre[0] = centre[1] = centre[2] = 0.0;
		*radius = 1.0;
		return;
	}
	for (int a = 0; a < 3; a++)
		centre[a] = 0.5 * (lo[a] + hi[a]);
	double r2 = 0.0;
	for (size_t i = 0; i < n; i++) {
		const double *p = xyz + 3 * i;
		if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]))
			continue;
		double dx = p[0] - centre[0], dy = p[1] - centre[1], dz = p[2] - centre[2];
		double d2 = dx * dx + dy * dy + dz * dz;
		if (d2 > r2)
			r2 = d2;
	}
	double r = sqrt(r2);
	*radius = r > 0.0 && isfinite(r) ? r : 1.0;
}

void ll_proj_set(ll_proj *p, const ll_view3d *v, const double centre[3], double radius,
		 int dot_w, int dot_h)
{
	ll_view3d_rotation(v, p->R);
	for (int a = 0; a < 3; a++)
		p->centre[a] = centre[a];
	p->radius = radius > 0.0 && isfinite(radius) ? radius : 1.0;
	int side = dot_w < dot_h ? dot_w : dot_h;
	double zoom = v->zoom > 0.0 && isfinite(v->zoom) ? v->zoom : 1.0;
	p->scale = zoom * (side > 1 ? side - 1 : 1) / (2.0 * p->radius);
	p->cx = 0.5 * (dot_w - 1);
	p->cy = 0.5 * (dot_h - 1);
	p->dist = v->perspective ? LL_VIEW3D_PERSP_D * p->radius : 0.0;
}

void ll_proj_point(const ll_proj *p, const double pt[3], double *x, double *y, double *depth)
{
	double d0 = pt[0] - p->centre[0], d1 = pt[1] - p->centre[1], d2 = pt[2] - p->centre[2];
	double u = p->R[0][0] * d0 + p->R[0][1] * d1 + p->R[0][2] * d2;
	double w = p->R[1][0] * d0 + p->R[1][1] * d1 + p->R[1][2] * d2;
	double v = p->R[2][0] * d0 + p->R[2][1] * d1 + p->R[2][2] * d2;
	double f = p->scale;
	if (p->dist > 0.0) {
		double den = p->dist + w;
		/* behind the eye: cannot happen for points within the radius */
		f = den > 1e-12 * p->dist ? f * (p->dist - p->radius) / den : NAN;
	}
	*x = p->cx + f * u;
	*y = p->cy - f * v;
	*depth = (w + p->radius) / (2.0 * p->radius);
}

void ll_view3d_paths_init(ll_view3d_paths *ps, const double *xyz, size_t n_paths,
			  size_t n_points)
{
	memset(ps, 0, sizeof *ps);
	ps->xyz = xyz;
	ps->n_paths = n_paths;
	ps->n_points = n_points;
	ps->highlight = -1;
	ps->markers = 1;
}

static int path_color(const ll_view3d_paths *ps, size_t k)
{
	if (ps->color)
		return ps->color[k];
	return (int)(k % (LL_CANVAS_MAX_COLOR + 1));
}

static int finite3(const double *p)
{
	return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]);
}

/* cell of a projected dot, or 0 if it is off the canvas */
static int dot_cell(const ll_canvas *c, double x, double y, int *cx, int *cy)
{
	if (!(x > -0.5 && y > -0.5 && x < 2.0 * c->w - 0.5 && y < 4.0 * c->h - 0.5))
		return 0;
	*cx = (int)lround(x) >> 1;
	*cy = (int)lround(y) >> 2;
	return 1;
}

static void draw_path(ll_canvas *c, const ll_proj *p, const ll_view3d_paths *ps, size_t k,
		      double zbias, int markers)
{
	const double *pts = ps->xyz + k * ps->n_points * 3;
	int color = path_color(ps, k);
	double px = 0, py = 0, pz = 0;
	int have_prev = 0;
	size_t first = ps->n_points, last = 0;
	for (size_t t = 0; t < ps->n_points; t++) {
		const double *q = pts + 3 * t;
		if (!finite3(q)) {
			have_prev = 0;
			continue;
		}
		double x, y, z;
		ll_proj_point(p, q, &x, &y, &z);
		z += zbias;
		if (have_prev)
			ll_canvas_line_zd(c, px, py, pz, x, y, z, color);
		else
			ll_canvas_line_zd(c, x, y, z, x, y, z, color);
		px = x;
		py = y;
		pz = z;
		have_prev = 1;
		if (first == ps->n_points)
			first = t;
		last = t;
	}
	if (!markers || first == ps->n_points)
		return;
	const size_t ends[2] = {first, last};
	const char glyph[2] = {'o', 'x'};
	for (int e = 1; e >= 0; e--) { /* a one-point path shows its start */
		double x, y, z;
		int cx, cy;
		ll_proj_point(p, pts + 3 * ends[e], &x, &y, &z);
		if (dot_cell(c, x, y, &cx, &cy))
			ll_canvas_mark_z(c, cx, cy, glyph[e], color, z + zbias);
	}
}

/* Axis triad in the lower-left corner: rotation only, fixed size, drawn
 * behind everything (depth 2 = dim). */
static void draw_axes(ll_canvas *c, const ll_proj *p, const ll_view3d_paths *ps)
{
	int dw = 2 * c->w, dh = 4 * c->h;
	int side = dw < dh ? dw : dh;
	if (side < 16)
		return;
	double len = side / 6.0;
	if (len < 4.0)
		len = 4.0;
	double ox = len + 3.0, oy = dh - 1 - (len + 3.0);
	const char *labels = ps->axis_labels && strlen(ps->axis_labels) >= 3 ? ps->axis_labels : "xyz";
	for (int a = 0; a < 3; a++) {
		/* column a of R: where unit axis a goes (right, depth, up) */
		double u = p->R[0][a], v = p->R[2][a];
		double tx = ox + len * u, ty = oy - len * v;
		ll_canvas_line_zd(c, ox, oy, 2.0, tx, ty, 2.0, ps->axes_color);
		double n = sqrt(u * u + v * v);
		if (n < 0.2) /* pointing at the viewer: label at the origin side */
			n = 0.2;
		double lx = tx + 3.0 * u / n, ly = ty - 3.0 * v / n;
		int cx, cy;
		if (dot_cell(c, lx, ly, &cx, &cy))
			ll_canvas_mark_z(c, cx, cy, labels[a], ps->axes_color, 2.0);
	}
}

int ll_view3d_render(ll_canvas *c, const ll_view3d *v, const ll_view3d_paths *ps,
		     ll_proj *proj, ll_err *err)
{
	if (!c || !c->dots || !v || !ps)
		return ll_err_set(err, LL_EINVAL, "view3d_render: NULL canvas, view or paths");
	if (!ps->xyz && ps->n_paths && ps->n_points)
		return ll_err_set(err, LL_EINVAL, "view3d_render: xyz is NULL for %zu x %zu points",
				  ps->n_paths, ps->n_points);
	size_t n = 0;
	if (ps->n_paths && !ll_mul_ok(ps->n_paths, ps->n_points, &n))
		return ll_err_set(err, LL_EINVAL, "view3d_render: %zu x %zu points overflow",
				  ps->n_paths, ps->n_points);
	double centre[3], radius;
	ll_proj p;
	ll_proj_bounds(ps->xyz, n, centre, &radius);
	ll_proj_set(&p, v, centre, radius, 2 * c->w, 4 * c->h);
	if (ps->axes)
		draw_axes(c, &p, ps);
	for (size_t k = 0; k < ps->n_paths; k++) {
		if ((ps->hidden && ps->hidden[k]) || (long long)k == (long long)ps->highlight)
			continue;
		draw_path(c, &p, ps, k, 0.0, ps->markers);
	}
	/* the highlighted path wins every shared cell: shift it before 0 */
	if (ps->highlight >= 0 && (size_t)ps->highlight < ps->n_paths &&
	    !(ps->hidden && ps->hidden[ps->highlight]))
		draw_path(c, &p, ps, (size_t)ps->highlight, -2.0, ps->markers);
	if (proj)
		*proj = p;
	return LL_OK;
}
