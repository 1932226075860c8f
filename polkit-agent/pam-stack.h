#ifndef PANTHER_POLKIT_AGENT_PAM_STACK_H
#define PANTHER_POLKIT_AGENT_PAM_STACK_H

#include <stdbool.h>

/*
 * Whether the PAM stack polkit's helper runs ("polkit-1": the file in
 * /etc/pam.d, else libpam's vendor directory /usr/lib/pam.d, else "other")
 * has an auth line with pam_fprintd, following "@include", "include" and
 * "substack" (at most 8 deep). Comments and other module types do not
 * count. polkit.onepassword.fingerprint_first applies only then.
 */
bool pam_stack_has_fingerprint(void);

/* Same, with the stack files under dirs (NULL-terminated; for tests). */
bool pam_stack_has_fingerprint_in(const char *const *dirs);

#endif
