#ifndef PANTHER_OP_COMMAND_H
#define PANTHER_OP_COMMAND_H

/*
 * The command line and environment of one run of op (DESIGN.md 5.4).
 * The environment is an allow-list taken from the agent's own: HOME, PATH,
 * LANG, LC_*, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, DBUS_SESSION_BUS_ADDRESS,
 * OP_ACCOUNT. In app mode OP_BIOMETRIC_UNLOCK_ENABLED=true is added; in
 * service-account mode OP_SERVICE_ACCOUNT_TOKEN, read from the token file
 * for this run only into locked memory that is wiped when the command is
 * freed. Nothing else (OP_SESSION_*, OP_CONNECT_*, an inherited token)
 * ever reaches op.
 */

#include <stddef.h>

#include "panther/config.h"
#include "panther/secret.h"

/* Allow-listed variables kept at most; more LC_* than this are dropped. */
#define PN_OP_ENV_MAX 40

/*
 * The allow-listed entries of environ_in (borrowed), at most max, into
 * envp; their count. envp is not terminated. What op gets in every mode;
 * pantherctl doctor runs op with it too.
 */
size_t pn_op_environment(char **envp, size_t max, char *const *environ_in);

struct pn_op_command {
	char *argv[8];
	char *envp[PN_OP_ENV_MAX + 3];
	/* "OP_SERVICE_ACCOUNT_TOKEN=..." (envp points into it); NULL in app mode. */
	struct pn_secret *token;
};

/*
 * Fills cmd for `op read -n REFERENCE` (with --account when configured).
 * environ_in is the environment to pick from (environ). The strings are
 * borrowed from cfg, reference and environ_in; keep them until
 * pn_op_command_finish. 0, or a negative errno with one line in err ("the
 * token file ...: group or others have access ...").
 */
int pn_op_command_init(struct pn_op_command *cmd, const struct pn_polkit_config *cfg,
	const char *reference, char *const *environ_in, char *err, size_t errlen);
/* Wipes and frees the token. */
void pn_op_command_finish(struct pn_op_command *cmd);

#endif
