#include "panther/op-command.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/util.h"

/* A service account token is about 900 bytes; room to spare. */
#define TOKEN_MAX 8192

static const char token_prefix[] = "OP_SERVICE_ACCOUNT_TOKEN=";

/* Names ending in '*' are prefixes. */
static const char *const allowed_env[] = {
	"HOME",
	"PATH",
	"LANG",
	"LC_*",
	"XDG_RUNTIME_DIR",
	"XDG_CONFIG_HOME",
	"DBUS_SESSION_BUS_ADDRESS",
	"OP_ACCOUNT",
	NULL,
};

static bool allowed(const char *entry)
{
	size_t name_len = strcspn(entry, "=");
	if (entry[name_len] != '=')
		return false;
	for (size_t i = 0; allowed_env[i]; i++) {
		size_t len = strlen(allowed_env[i]);
		if (allowed_env[i][len - 1] == '*') {
			if (name_len >= len - 1 && strncmp(entry, allowed_env[i], len - 1) == 0)
				return true;
		} else if (len == name_len && strncmp(entry, allowed_env[i], len) == 0) {
			return true;
		}
	}
	return false;
}

/* One line of printable characters, without spaces: what a token looks like. */
static bool plausible_token(const char *token, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)token[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

static int read_token(struct pn_op_command *cmd, const char *path, char *err, size_t errlen)
{
	char why[256];
	int fd = pn_secret_file_open(path, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "1Password: the token file %s: %s", path, why);
		return fd;
	}
	cmd->token = pn_secret_new(sizeof(token_prefix) - 1 + TOKEN_MAX);
	if (!cmd->token) {
		close(fd);
		snprintf(err, errlen, "1Password: no memory for the token");
		return -ENOMEM;
	}
	pn_secret_keep_on_fork(cmd->token);
	pn_secret_append(cmd->token, token_prefix, sizeof(token_prefix) - 1);
	ssize_t r = pn_secret_read_fd(cmd->token, fd);
	close(fd);
	if (r == -EAGAIN)
		r = (ssize_t)pn_secret_len(cmd->token);
	if (r < 0) {
		snprintf(err, errlen, "1Password: the token file %s: %s", path,
			r == -EMSGSIZE ? "too large for a token" : strerror((int)-r));
		return (int)r;
	}
	pn_secret_chomp(cmd->token);
	const char *entry = pn_secret_expose(cmd->token);
	size_t len = pn_secret_len(cmd->token) - (sizeof(token_prefix) - 1);
	if (!plausible_token(entry + sizeof(token_prefix) - 1, len)) {
		snprintf(err, errlen,
			"1Password: the token file %s does not hold one token (expected one line without spaces)",
			path);
		return -EINVAL;
	}
	return 0;
}

size_t pn_op_environment(char **envp, size_t max, char *const *environ_in)
{
	size_t e = 0;
	for (size_t i = 0; environ_in && environ_in[i] && e < max; i++) {
		if (allowed(environ_in[i]))
			envp[e++] = environ_in[i];
	}
	return e;
}

int pn_op_command_init(struct pn_op_command *cmd, const struct pn_polkit_config *cfg,
	const char *reference, char *const *environ_in, char *err, size_t errlen)
{
	*cmd = (struct pn_op_command){0};
	size_t a = 0;
	cmd->argv[a++] = cfg->op_path;
	cmd->argv[a++] = "read";
	cmd->argv[a++] = "-n";
	if (cfg->op_account) {
		cmd->argv[a++] = "--account";
		cmd->argv[a++] = cfg->op_account;
	}
	cmd->argv[a++] = (char *)reference;
	cmd->argv[a] = NULL;

	size_t e = pn_op_environment(cmd->envp, PN_OP_ENV_MAX, environ_in);
	if (cfg->op_mode == PN_OP_APP) {
		/* Use the desktop app, whatever op's own config says. */
		cmd->envp[e++] = "OP_BIOMETRIC_UNLOCK_ENABLED=true";
	} else {
		int r = -ENXIO;
		if (!cfg->op_token_path)
			snprintf(err, errlen, "1Password: $CREDENTIALS_DIRECTORY is not set");
		else
			r = read_token(cmd, cfg->op_token_path, err, errlen);
		if (r < 0) {
			pn_op_command_finish(cmd);
			return r;
		}
		cmd->envp[e++] = (char *)pn_secret_expose(cmd->token);
	}
	cmd->envp[e] = NULL;
	return 0;
}

void pn_op_command_finish(struct pn_op_command *cmd)
{
	pn_secret_free(cmd->token);
	*cmd = (struct pn_op_command){0};
}
