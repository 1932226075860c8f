#ifndef POWER_HOLDS_H
#define POWER_HOLDS_H

/*
 * panther-powerd's own hold on power-profiles-daemon (HoldProfile): the
 * temporary profile of idle, low battery and app rules. At most one hold is
 * kept; a new profile is held before the old hold is released, so the
 * profile does not fall back in between. Holds end with ppd (or when
 * someone sets ActiveProfile, which releases every hold): they are taken
 * again while still wanted.
 */

#include <stdbool.h>

#include "panther/config.h"
#include "ppd.h"

/* The ApplicationId of our holds in ActiveProfileHolds. */
#define HOLDS_APP_ID "panther-powerd"

struct holds;

struct holds *holds_create(struct ppd *ppd);
void holds_destroy(struct holds *holds);
/* The profile to hold (NONE: no hold) and why (ppd's Reason). */
void holds_want(struct holds *holds, enum pn_profile profile, const char *reason);
/* ppd left: its holds went with it. */
void holds_reset(struct holds *holds);
/* The profile we hold (NONE while none is held or after release). */
enum pn_profile holds_held(const struct holds *holds);
/* What ppd's holds are: *ours (ApplicationId HOLDS_APP_ID), returns whether others hold. */
bool holds_classify(const struct ppd_hold *list, size_t n, bool *ours);
/* "performance by com.example.Game (Running a game)" for the others' holds, "; " between. */
void holds_format_foreign(const struct ppd_hold *list, size_t n, char *buf, size_t len);
/* ppd reported its holds; listed says whether one of ours is among them. */
void holds_check(struct holds *holds, bool listed);

#endif
