/*
 * ll_view3d.h - 3-D view state, projection, and trajectory rendering into a
 * braille canvas (no curses).
 *
 * Geometry.  The data are centred on the middle of their bounding box and
 * share ONE scale for all axes.  With R = Rx(elevation) * Rz(azimuth),
 * q = R (p - centre) gives
 *     q[0]  screen right
 *     q[1]  depth, positive AWAY from the viewer (the viewer looks along +y)
 *     q[2]  screen up
 * so azimuth 0, elevation 0 shows the x-z plane (x right, z up);
 * elevation 90 looks down the z axis (x right, y up); azimuth 90 turns
 * x into y.  Azimuth is kept in (-180, 180], elevation in [-90, 90].
 *
 * Scale.  radius = the largest distance of a data point from the centre
 * (1 if all points coincide).  At zoom 1 the sphere of that radius fills
 * the shorter side of the canvas, so no rotation clips the data:
 *     scale = zoom * (min(dot_w, dot_h) - 1) / (2 radius)   dots per unit
 *     dot x = cx + f q0 scale,  dot y = cy - f q2 scale  (cx, cy = middle)
 * f = 1 orthographic; perspective puts the eye at d = 3 radius from the
 * centre and uses f = (d - radius) / (d + q1), so the nearest possible
 * point keeps the orthographic size (the data still fit at zoom 1).
 * Braille dots are about square on a 1:2 cell, so no aspect correction.
 *
 * Depth passed to the canvas is (q1 + radius) / (2 radius): 0 nearest,
 * 1 farthest, so canvas levels 0..3 shade near bright, far dim.
 *
 * Reset view: azimuth 45, elevation 30, zoom 1, orthographic (all three
 * axes foreshortened, none edge-on).  Keys (ll_view3d_action_for_key;
 * the caller maps arrows to the same actions):
 *     h / l   azimuth -15 / +15      H / L  -5 / +5
 *     j / k   elevation -15 / +15    J / K  -5 / +5
 *     + (=)   zoom x1.25             - (_)  zoom / 1.25   (0.05..50)
 *     p       orthographic <-> perspective
 *     r, 0    reset                  a      auto-rotate on/off
 *     1 2 3   snap to the x-y, x-z, y-z planes (PC1-2, PC1-3, PC2-3)
 * Auto-rotate adds LL_VIEW3D_SPIN_DPS degrees of azimuth per second.
 *
 * The view logs as "az=45 el=30 zoom=1 proj=ortho" (ll_view3d_format) and
 * ll_view3d_parse reads that back, so a report can redraw the same view.
 */
#ifndef LL_VIEW3D_H
#define LL_VIEW3D_H

#include <stddef.h>

#include "draw/ll_canvas.h"
#include "base/ll_common.h"

#define LL_VIEW3D_AZ0 45.0
#define LL_VIEW3D_EL0 30.0
#define LL_VIEW3D_STEP 15.0
#define LL_VIEW3D_FINE 5.0
#define LL_VIEW3D_ZOOM_STEP 1.25
#define LL_VIEW3D_ZOOM_MIN 0.05
#define LL_VIEW3D_ZOOM_MAX 50.0
#define LL_VIEW3D_SPIN_DPS 30.0
#define LL_VIEW3D_PERSP_D 3.0 /* eye distance in data radii */

typedef struct ll_view3d {
	double azimuth;   /* degrees about z, applied first */
	double elevation; /* degrees about the screen x axis, applied second */
	double zoom;      /* 1 = the data's bounding sphere fills the canvas */
	int perspective;  /* 0 orthographic, 1 perspective */
	int auto_rotate;  /* the UI calls ll_view3d_tick while this is set */
} ll_view3d;

enum ll_view3d_action {
	LL_VIEW3D_NONE = 0,
	LL_VIEW3D_AZ_MINUS, LL_VIEW3D_AZ_PLUS, LL_VIEW3D_AZ_MINUS_FINE, LL_VIEW3D_AZ_PLUS_FINE,
	LL_VIEW3D_EL_MINUS, LL_VIEW3D_EL_PLUS, LL_VIEW3D_EL_MINUS_FINE, LL_VIEW3D_EL_PLUS_FINE,
	LL_VIEW3D_ZOOM_IN, LL_VIEW3D_ZOOM_OUT,
	LL_VIEW3D_PERSPECTIVE, LL_VIEW3D_RESET, LL_VIEW3D_AUTO,
	LL_VIEW3D_SNAP_XY, LL_VIEW3D_SNAP_XZ, LL_VIEW3D_SNAP_YZ
};

void ll_view3d_reset(ll_view3d *v);
/* The action of an ASCII key, LL_VIEW3D_NONE if it has none. */
int ll_view3d_action_for_key(int ch);
/* Apply an action; returns 1 if the view changed, 0 if not (unknown
 * action, or a limit was already reached). */
int ll_view3d_apply(ll_view3d *v, int action);
/* Advance auto-rotation by dt seconds (no-op unless auto_rotate). */
void ll_view3d_tick(ll_view3d *v, double dt);
/* Force azimuth into (-180, 180], elevation into [-90, 90], zoom into its
 * range (a NaN field gets its reset value). */
void ll_view3d_normalize(ll_view3d *v);

/* "az=%g el=%g zoom=%g proj=ortho|persp"; returns snprintf's count. */
int ll_view3d_format(const ll_view3d *v, char *buf, size_t n);
/* Read that format back (fields in any order, missing ones keep their
 * reset values).  LL_EINVAL on an unknown field or bad number. */
int ll_view3d_parse(ll_view3d *v, const char *s, ll_err *err);

/* R = Rx(elevation) Rz(azimuth); multiples of 90 degrees are exact. */
void ll_view3d_rotation(const ll_view3d *v, double R[3][3]);

/* A projection, fitted to data and a canvas. */
typedef struct ll_proj {
	double R[3][3];
	double centre[3];
	double radius;  /* > 0 */
	double scale;   /* dots per data unit (before perspective) */
	double cx, cy;  /* canvas middle, in dots */
	double dist;    /* eye distance from the centre; 0 = orthographic */
} ll_proj;

/* Centre and radius of the finite points of xyz (n points x 3); centre 0
 * and radius 1 if there are none, radius 1 if all coincide. */
void ll_proj_bounds(const double *xyz, size_t n, double centre[3], double *radius);
/* Set p for a view, given bounds and a canvas of dot_w x dot_h dots. */
void ll_proj_set(ll_proj *p, const ll_view3d *v, const double centre[3], double radius,
		 int dot_w, int dot_h);
/* Project one point: dot coordinates (x right, y down; not rounded) and
 * depth 0 (nearest) .. 1 (farthest) for points within the radius. */
void ll_proj_point(const ll_proj *p, const double pt[3], double *x, double *y, double *depth);

/* A set of paths in the ll_traj_set layout: point t of path k is
 * xyz[(k * n_points + t) * 3 + axis].  Nothing here is owned. */
typedef struct ll_view3d_paths {
	const double *xyz;
	size_t n_paths, n_points;
	const int *color;            /* per path colour index; NULL = path index */
	const unsigned char *hidden; /* per path, non-zero = not drawn; NULL = all shown */
	int highlight;               /* path drawn over all others (level 0), -1 = none */
	int markers;                 /* mark each path's first point 'o', last 'x' */
	int axes;                    /* axis triad in the lower-left corner */
	int axes_color;              /* colour index of the triad */
	const char *axis_labels;     /* 3 characters, e.g. "123"; NULL = "xyz" */
} ll_view3d_paths;

/* Fill defaults: no colours/mask, highlight -1, markers on, axes off. */
void ll_view3d_paths_init(ll_view3d_paths *ps, const double *xyz, size_t n_paths,
			  size_t n_points);

/*
 * Draw the paths onto c (which is NOT cleared first) with the depth
 * buffer: each path in its colour, consecutive finite points joined (a
 * NaN point breaks the path), nearest path colours a shared cell.  The
 * bounds come from all paths, hidden ones included, so toggling a path
 * does not move the picture.  If proj is not NULL it receives the
 * projection used.  LL_EINVAL for NULL arguments (xyz may be NULL only
 * with no paths or points).
 */
int ll_view3d_render(ll_canvas *c, const ll_view3d *v, const ll_view3d_paths *ps,
		     ll_proj *proj, ll_err *err);

#endif
