/*
 * sections.h - the report's sections, one file each (sections/sec_*.c),
 * called by the dispatcher (ll_report.c) in report order: session, data,
 * training, tca, trajectories, provenance.  The dispatcher writes each
 * section's numbered heading; a section writes its body into d.  A glance
 * function writes the section's bullet in the header's "at a glance" list
 * (nothing if the session has no results for it).  The figure builders
 * that belong to a section are declared in ll_figs.h.
 */
#ifndef LL_SECTIONS_H
#define LL_SECTIONS_H

#include "ll_doc.h"

void sec_session(doc *d);
void sec_data_glance(doc *d);
void sec_data(doc *d);
void sec_training_glance(doc *d);
void sec_training(doc *d);
void sec_tca_glance(doc *d);
void sec_tca(doc *d);
void sec_traj_glance(doc *d);
void sec_traj(doc *d);
void sec_provenance(doc *d);

#endif
