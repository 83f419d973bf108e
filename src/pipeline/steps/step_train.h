/*
 * step_train.h - the train step's results (s->res.train): the MLPs' test
 * loss and accuracy over training, and their hidden activity per digit.
 */
#ifndef LL_STEP_TRAIN_H
#define LL_STEP_TRAIN_H

#include "pipeline/ll_session.h"
#include "tensor/ll_tensor.h"

typedef struct ll_train_log {
	size_t models, snapshots;
	size_t units;               /* hidden units logged */
	int *step;                  /* snapshots: training step of each (owned) */
	double *loss, *acc;         /* models x snapshots: test loss / accuracy (owned) */
	double *train_loss;         /* models x snapshots: mean train loss since last (owned) */
	double final_acc_mean, final_acc_min;
} ll_train_log;

struct ll_res_train {
	ll_train_log log;
	ll_tensor activity;         /* models x digits x units x snapshots */
	ll_mode_info modes[4];      /* model, digit, unit, snapshot */
};

#endif
