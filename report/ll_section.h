/*
 * ll_section.h - a report section as a descriptor, and the list of them.
 *
 * Each section is one file, sections/sec_<name>.c, that defines one
 *
 *   const ll_section ll_section_<name> = {
 *           .id = "<name>", .title = "...", .present = ..., .drawn = ...,
 *           LL_SECTION_FIGS(figs), .glance = ..., .write = ...,
 *   };
 *
 * and one line LL_SECTION(<name>) in sections/sections.def, whose order is
 * the report's order.  The dispatcher (ll_report.c) builds ll_sections[]
 * from that list and takes everything that enumerates sections from it:
 * the figures it builds, the figures a rerun removes, the "at a glance"
 * bullets, the contents, the numbered headings and the bodies.  Adding a
 * section is the file, its line in sections.def and its line in
 * report/report.am.
 *
 * Descriptors are const and hold no state; a section keeps nothing between
 * reports.  Sections write through the doc_ writers (ll_doc.h), which do
 * not fail; figure builders report errors through ll_err.
 */
#ifndef LL_SECTION_H
#define LL_SECTION_H

#include <stddef.h>

#include "base/ll_common.h"
#include "ll_figs.h"
#include "pipeline/ll_session.h"

typedef struct doc doc; /* ll_doc.h */

/* Build one figure of the session into f (initialised here; free it with
 * ll_report_fig_free, also after an error).  LL_EINVAL if the session
 * lacks what the figure needs, LL_ENOMEM, or a plotting error. */
typedef int (*ll_section_fig_fn)(const ll_session *s, ll_report_fig *f, ll_err *err);

typedef struct ll_section_fig {
	const char *name;        /* fixed file stem: figures/<name>.png + .csv
				  * (under sizeof ll_report_fig.name) */
	ll_section_fig_fn build; /* must name the figure <name> */
	/* whether the session has what this figure needs beyond the
	 * section's drawn(), for a section whose results come in parts
	 * (NULL: nothing more; the figure is built whenever drawn() holds) */
	int (*drawn)(const ll_session *s);
} ll_section_fig;

typedef struct ll_section {
	const char *id;    /* anchor (<a id>) and contents link: "tca" */
	const char *title; /* heading and contents text: "Tensor components (TCA)" */
	/* whether the section is in this report (NULL: always) */
	int (*present)(const ll_session *s);
	/* whether the session has what the figures need: all of figs are
	 * built, in order, or none (NULL when there are no figures) -- but
	 * for those with a drawn() of their own that says no */
	int (*drawn)(const ll_session *s);
	const ll_section_fig *figs; /* the figures it places, in order */
	size_t nfigs;
	/* its bullet in the header's "at a glance" list, or nothing when the
	 * session has no result for it (NULL: never a bullet) */
	void (*glance)(doc *d);
	/* the body, after the dispatcher's numbered heading */
	void (*write)(doc *d);
} ll_section;

/* Figures one section may place: with the number of sections, this bounds
 * the figures of a report (LL_REPORT_MAX_FIGS). */
#define LL_SECTION_MAX_FIGS 4

/* ".figs = a, .nfigs = <elements of a>" for a descriptor, where a is the
 * section's static array of figures; more than LL_SECTION_MAX_FIGS is a
 * compile error (a negative bit-field width). */
#define LL_SECTION_FIGS(a)                                                          \
	.figs = (a),                                                                \
	.nfigs = sizeof(a) / sizeof((a)[0]) +                                       \
		 0 * sizeof(struct {                                                \
			 int too_many_figures_in_one_section                        \
				 : sizeof(a) / sizeof((a)[0]) <= LL_SECTION_MAX_FIGS ? 1 : -1; \
		 })

#define LL_SECTION(name) extern const ll_section ll_section_##name;
#include "sections/sections.def"
#undef LL_SECTION

/* the number of sections in sections.def */
enum {
	LL_NSECTIONS = 0
#define LL_SECTION(name) +1
#include "sections/sections.def"
#undef LL_SECTION
};

#define LL_REPORT_MAX_FIGS (LL_NSECTIONS * LL_SECTION_MAX_FIGS)

/* Every section, in report order (defined in ll_report.c). */
extern const ll_section *const ll_sections[LL_NSECTIONS];

#endif
