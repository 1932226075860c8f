#ifndef PANTHER_POLKIT_AGENT_SUBJECT_H
#define PANTHER_POLKIT_AGENT_SUBJECT_H

#include <sys/types.h>

/* Longest program description shown, in bytes. */
#define SUBJECT_MAX 160

/* In front of argv[0] when /proc/PID/exe cannot be read. */
#define SUBJECT_UNVERIFIED "unverified program, claims to be "

/*
 * The requesting program for the prompt: "/usr/bin/pkexec /usr/bin/gparted"
 * from /proc/PID/exe and /proc/PID/cmdline, shortened and sanitized; when
 * exe cannot be read, "unverified program, claims to be ARGV0 ARGS". NULL
 * when the process is gone or unreadable.
 */
char *subject_describe(pid_t pid);

/* Same, from /proc-like files under root (for tests). */
char *subject_describe_at(const char *proc_root, pid_t pid);

/* pkexec shortens its command line in polkit's message past this many bytes. */
#define PKEXEC_SHORT_MAX 80
/* Longest description of a request through pkexec, in bytes. */
#define SUBJECT_PKEXEC_MAX 600

/*
 * "Requested by" as /proc shows it. For pkexec (action
 * org.freedesktop.policykit.exec, caller a setuid-root process whose argv[0]
 * is pkexec) the subject is pkexec's parent:
 * "/usr/bin/bash -i (pkexec's parent); pkexec will run /usr/bin/nmcli con up x",
 * the command taken from pkexec's command line in /proc and shown only when
 * polkit's message shows the same (polkit 122: the program; later: the
 * command, shortened in the middle past 80 bytes); otherwise
 * "... (pkexec's parent), through pkexec". Anything else
 * is subject_describe(subject).
 */
char *subject_describe_request(pid_t subject, pid_t caller, const char *action_id,
	const char *message);
char *subject_describe_request_at(const char *proc_root, pid_t subject, pid_t caller,
	const char *action_id, const char *message);

#endif
