/*
 * doctor: 1Password. The password never comes near this process: the real
 * `op read` of --try-1password runs in panther-polkit-agent's terminal
 * session (TryOnePassword), which only says whether 1Password asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "panther/bus-names.h"
#include "panther/op-command.h"
#include "panther/secret.h"
#include "panther/util.h"

extern char **environ;

#define OP_GROUP "onepassword-cli"
#define OP_FIX                                                          \
	"programs._1password.enable = true (NixOS: the setgid wrapper " \
	"/run/wrappers/bin/op), and polkit.onepassword.op pointing at it"

/*
 * Runs argv (argv[0]: op) with envp, stdin and stdout on /dev/null unless
 * out is given (then stdout is read into it), stderr into err. Killed (whole
 * group) after timeout_ms. Returns the exit status, -ETIMEDOUT or -errno.
 */
static int run_op(char **argv, char **envp, int timeout_ms, char *out, size_t out_len, char *err,
	size_t err_len)
{
	int out_pipe[2] = {-1, -1}, err_pipe[2];
	if (pipe2(err_pipe, O_CLOEXEC) < 0 || (out && pipe2(out_pipe, O_CLOEXEC) < 0))
		return -errno;
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(out ? out_pipe[1] : null, 1);
		dup2(err_pipe[1], 2);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(err_pipe[1]);
	if (out)
		close(out_pipe[1]);
	if (pid < 0) {
		close(err_pipe[0]);
		if (out)
			close(out_pipe[0]);
		return -EAGAIN;
	}
	struct pollfd fds[2] = {{.fd = err_pipe[0], .events = POLLIN},
		{.fd = out ? out_pipe[0] : -1, .events = POLLIN}};
	char *bufs[2] = {err, out};
	size_t lens[2] = {err_len, out_len}, have[2] = {0, 0};
	int64_t deadline = doctor_now_ms() + timeout_ms;
	bool timed_out = false;
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		int64_t left = deadline - doctor_now_ms();
		if (left <= 0 || poll(fds, 2, (int)left) == 0) {
			timed_out = true;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char scratch[512];
			bool room = have[i] + 1 < lens[i];
			ssize_t n = read(fds[i].fd, room ? bufs[i] + have[i] : scratch,
				room ? lens[i] - 1 - have[i] : sizeof(scratch));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				close(fds[i].fd);
				fds[i].fd = -1;
			} else if (n > 0 && room) {
				have[i] += (size_t)n;
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i].fd >= 0)
			close(fds[i].fd);
		if (bufs[i])
			bufs[i][have[i]] = '\0';
	}
	if (timed_out)
		kill(-pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return -ETIMEDOUT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last non-empty line of op's stderr, without its "[ERROR] date time " prefix. */
static const char *op_error_line(char *text)
{
	char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	char *line = strrchr(text, '\n');
	line = line ? line + 1 : text;
	if (strncmp(line, "[ERROR] ", 8) == 0) {
		char *p = line + 8;
		for (int field = 0; field < 2 && (p = strchr(p, ' ')); field++)
			p++;
		if (p)
			line = p;
	}
	return line[0] ? line : "(no message)";
}

static bool onepassword_off(struct doctor *d)
{
	return !d->config.polkit.op_enable;
}

static const char *mode_name(const struct doctor *d)
{
	return d->config.polkit.op_mode == PN_OP_SERVICE_ACCOUNT ? "service-account" : "app";
}

static void probe_mode(struct doctor *d)
{
	if (onepassword_off(d))
		doctor_say(d, DOCTOR_OK, NULL, "1Password is off (polkit.onepassword.enable)");
	else
		doctor_say(d, DOCTOR_OK, NULL, "1Password fills the card, %s mode", mode_name(d));
}

static void probe_op(struct doctor *d)
{
	if (onepassword_off(d))
		return;
	const char *op = d->config.polkit.op_path;
	struct stat st;
	errno = 0;
	if (stat(op, &st) < 0 || !S_ISREG(st.st_mode) || access(op, X_OK) < 0) {
		doctor_say(d, DOCTOR_FAIL, NULL, "%s is not an executable program%s%s", op,
			errno ? ": " : "", errno ? strerror(errno) : "");
		return;
	}
	struct group *g = getgrgid(st.st_gid);
	bool wrapper = (st.st_mode & S_ISGID) && g && strcmp(g->gr_name, OP_GROUP) == 0;
	char version[256] = "", err[1024] = "";
	char *argv[] = {(char *)op, "--version", NULL};
	/* The environment the agent gives op. */
	char *envp[PN_OP_ENV_MAX + 1];
	envp[pn_op_environment(envp, PN_OP_ENV_MAX, environ)] = NULL;
	int r = run_op(argv, envp, DOCTOR_CALL_MS, version, sizeof(version), err, sizeof(err));
	version[strcspn(version, "\n")] = '\0';
	if (r != 0) {
		doctor_say(d, DOCTOR_FAIL, NULL, "%s --version: %s", op,
			r == -ETIMEDOUT ? "no answer"
				: r < 0 ? strerror(-r)
					: op_error_line(err));
	} else if (!wrapper && d->config.polkit.op_mode == PN_OP_APP) {
		doctor_say(d, DOCTOR_WARN, NULL,
			"%s (op %.32s) is not the setgid %s wrapper: the 1Password app refuses to answer it",
			op, version, OP_GROUP);
	} else {
		doctor_say(d, DOCTOR_OK, NULL, "%s: op %.32s%s", op, version,
			wrapper ? ", setgid " OP_GROUP : "");
	}
}

/* The app's process; NixOS runs it as .1password-wrapped (comm cut at 15 bytes). */
static bool is_app(struct doctor *d, const char *pid, const char *comm, void *data)
{
	if (strcmp(comm, "1password") != 0 && strcmp(comm, ".1password-wrap") != 0)
		return true;
	snprintf(data, 16, "%s", pid);
	return false;
}

static void probe_app(struct doctor *d)
{
	if (onepassword_off(d) || d->config.polkit.op_mode != PN_OP_APP)
		return;
	char pid[16] = "";
	doctor_each_process(d, is_app, pid);
	if (!pid[0]) {
		doctor_say(d, DOCTOR_WARN,
			"start the 1Password app (programs._1password-gui) and sign in to it",
			"no process named 1password runs as uid %u (looked in %s): op cannot ask the 1Password app",
			(unsigned)d->uid, d->proc_root);
	} else {
		doctor_say(d, DOCTOR_OK, NULL,
			"the 1Password app runs as uid %u (pid %s, found by its process name in "
			"%s); whether it lets op in shows only when op asks it (--try-1password)",
			(unsigned)d->uid, pid, d->proc_root);
	}
}

/* What the agent knows of 1Password's authorization of its terminal session. */
static void probe_session(struct doctor *d)
{
	if (onepassword_off(d) || d->config.polkit.op_mode != PN_OP_APP)
		return;
	DBusConnection *bus = doctor_session_bus(d);
	char state[64] = "";
	DBusError err;
	dbus_error_init(&err);
	if (!bus ||
		!doctor_get_string(d, bus, PN_AGENT1_NAME, PN_AGENT1_PATH, PN_AGENT1_IFACE,
			"OnePassword", state, sizeof(state), &err)) {
		doctor_say(d, DOCTOR_WARN, NULL, "cannot ask panther-polkit-agent: %s",
			bus ? doctor_bus_error(&err) : "no session bus");
		dbus_error_free(&err);
		return;
	}
	DBusMessageIter value;
	dbus_int64_t until = 0;
	DBusMessage *reply = doctor_get_property(d, bus, PN_AGENT1_NAME, PN_AGENT1_PATH,
		PN_AGENT1_IFACE, "OnePasswordUntil", &value, &err);
	if (reply && dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_INT64)
		dbus_message_iter_get_basic(&value, &until);
	if (reply)
		dbus_message_unref(reply);
	dbus_error_free(&err);
	char when[64] = "";
	time_t t = (time_t)until;
	struct tm tm;
	if (until > 0 && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (strcmp(state, "authorized") == 0)
		doctor_say(d, DOCTOR_OK, NULL,
			"1Password has authorized panther's terminal session until %s (10 "
			"minutes after its last use, 12 hours at most), as the agent saw it",
			when);
	else if (strcmp(state, "no-terminal") == 0)
		doctor_say(d, DOCTOR_WARN, "read why: journalctl --user -u panther-polkit-agent",
			"panther-polkit-agent runs op without a terminal: 1Password asks on every "
			"request");
	else
		doctor_say(d, DOCTOR_OK, NULL,
			"1Password has not authorized panther now (agent: %s): the next request "
			"shows 1Password's card first",
			state);
}

/* This user's reference, or NULL. */
static const char *own_reference(struct doctor *d, const char **user)
{
	struct passwd *pw = getpwuid(d->uid);
	*user = pw ? pw->pw_name : "?";
	for (size_t i = 0; pw && i < d->config.polkit.n_references; i++) {
		if (strcmp(d->config.polkit.references[i].user, pw->pw_name) == 0)
			return d->config.polkit.references[i].reference;
	}
	return NULL;
}

static void probe_reference(struct doctor *d)
{
	if (onepassword_off(d))
		return;
	const char *user, *ref = own_reference(d, &user);
	char fix[160];
	snprintf(fix, sizeof(fix),
		"add polkit.onepassword.references.\"%s\": \"op://VAULT/ITEM/password\"", user);
	if (ref)
		doctor_say(d, DOCTOR_OK, NULL, "%s: %s", user, ref);
	else
		doctor_say(d, DOCTOR_WARN, fix,
			"no reference for %s: 1Password never fills this user's password", user);
}

static void probe_token_file(struct doctor *d)
{
	const struct pn_polkit_config *polkit = &d->config.polkit;
	if (onepassword_off(d) || polkit->op_mode != PN_OP_SERVICE_ACCOUNT ||
		!polkit->op_token_file)
		return;
	/* NULL: $CREDENTIALS_DIRECTORY/NAME, and that variable is the agent unit's alone. */
	const char *file = polkit->op_token_path;
	if (!file) {
		doctor_say(d, DOCTOR_OK, NULL,
			"%s: a systemd credential of the agent's unit (LoadCredential=), not visible from here",
			polkit->op_token_file);
		return;
	}
	char fix[PATH_MAX + 64], why[256];
	snprintf(fix, sizeof(fix), "chown %u %s && chmod 600 %s", (unsigned)d->uid, file, file);
	/* The agent's own check, so the two never disagree. */
	int fd = pn_secret_file_open(file, why, sizeof(why));
	struct stat st;
	if (fd < 0) {
		doctor_say(d, DOCTOR_FAIL, fix, "%s: %s: whoever reads it reads the vault", file,
			why);
	} else if (fstat(fd, &st) == 0) {
		doctor_say(d, DOCTOR_OK, NULL, "%s: owner uid %u, mode %04o", file,
			(unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	if (fd >= 0)
		close(fd);
}

static void probe_try(struct doctor *d)
{
	if (!d->try_onepassword)
		return;
	const char *user, *ref = own_reference(d, &user);
	if (onepassword_off(d) || !ref) {
		doctor_say(d, DOCTOR_WARN, NULL, "not tried: %s",
			onepassword_off(d) ? "1Password is off" : "no reference for this user");
		return;
	}
	if (d->config.polkit.op_mode == PN_OP_SERVICE_ACCOUNT) {
		doctor_say(d, DOCTOR_OK, NULL,
			"not tried in service-account mode: only panther-polkit-agent gives op the token");
		return;
	}
	/* Twice in the agent's terminal session, where its requests run op. */
	DBusConnection *bus = doctor_session_bus(d);
	DBusMessage *msg = dbus_message_new_method_call(PN_AGENT1_NAME, PN_AGENT1_PATH,
		PN_AGENT1_IFACE, "TryOnePassword");
	if (!bus || !msg) {
		doctor_say(d, DOCTOR_FAIL, NULL, "not tried: %s",
			bus ? "out of memory" : "no session bus");
		if (msg)
			dbus_message_unref(msg);
		return;
	}
	dbus_message_set_auto_start(msg, FALSE);
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(bus, msg,
		(2 * d->config.polkit.op_timeout_s + 5) * 1000, &err);
	dbus_message_unref(msg);
	dbus_bool_t first = false, second = false;
	if (!reply) {
		doctor_say(d, DOCTOR_FAIL, NULL, "op read %s twice in panther's session: %s", ref,
			doctor_bus_error(&err));
	} else if (!dbus_message_get_args(reply, &err, DBUS_TYPE_BOOLEAN, &first, DBUS_TYPE_BOOLEAN,
			   &second, DBUS_TYPE_INVALID)) {
		doctor_say(d, DOCTOR_FAIL, NULL, "op read %s: unexpected reply from the agent",
			ref);
	} else if (second) {
		doctor_say(d, DOCTOR_FAIL, NULL,
			"op read %s, twice in panther's terminal session: 1Password asked again "
			"for the second call, so every request will ask",
			ref);
	} else {
		doctor_say(d, DOCTOR_OK, NULL,
			"op read %s, twice in panther's terminal session: answered; 1Password "
			"asked %s, not for the second call",
			ref, first ? "for the first call" : "for neither (authorized before)");
	}
	if (reply)
		dbus_message_unref(reply);
	dbus_error_free(&err);
}

const struct doctor_check doctor_onepassword_checks[] = {
	{"1password.mode", probe_mode, NULL},
	{"1password.op", probe_op, OP_FIX},
	{"1password.app", probe_app, NULL},
	{"1password.session", probe_session, NULL},
	{"1password.reference", probe_reference, NULL},
	{"1password.token-file", probe_token_file,
		"polkit.onepassword.token_file: a file only its owner reads (chmod 600)"},
	{"1password.try", probe_try,
		"approve 1Password's card, or fix what op says (journalctl --user -u panther-polkit-agent)"},
	{NULL},
};
