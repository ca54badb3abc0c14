/* SPDX-License-Identifier: MIT */
#pragma once

/* From a change set to a push plan: blocked rows left out, removals per push.deletions
 * (withdraw: upsert withdrawn=true; delete; keep: nothing), the removal guard. */

#include "backend.h"
#include "config.h"
#include "diff.h"

typedef struct GuardVerdict {
        bool refused;            /* the plan would remove more than push.max_removals */
        size_t n_removals;       /* rows the plan would withdraw or delete */
        bool limited;            /* push.max_removals is set */
        size_t limit;            /* effective limit in rows (when limited) */
} GuardVerdict;

/* Builds the plan. remote is the snapshot the change set was computed against (withdrawals are
 * copies of its rows with withdrawn=true). */
int sync_build_plan(const Model *model, const ChangeSet *changes, const Dataset *remote, DeletionPolicy policy,
                    PushPlan **ret);
/* The same, also bringing the rows of foreign (rows of other nodes from the published Directory,
 * or NULL) into the staging area as they are, every node-owned column sent. */
int sync_build_plan_with(const Model *model, const ChangeSet *changes, const Dataset *remote, const Dataset *foreign,
                         DeletionPolicy policy, PushPlan **ret);

/* Applies push.max_removals to the plan. */
void sync_check_guard(const Config *config, const ChangeSet *changes, const PushPlan *plan, GuardVerdict *ret);
