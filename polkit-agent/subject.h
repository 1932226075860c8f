#ifndef PANTHER_POLKIT_AGENT_SUBJECT_H
#define PANTHER_POLKIT_AGENT_SUBJECT_H

#include <sys/types.h>

/* Longest program description shown, in bytes. */
#define SUBJECT_MAX 160

/*
 * The requesting program for the prompt: "/usr/bin/pkexec /usr/bin/gparted"
 * from /proc/PID/exe and /proc/PID/cmdline, shortened and sanitized. NULL
 * when the process is gone or unreadable.
 */
char *subject_describe(pid_t pid);

/* Same, from /proc-like files under root (for tests). */
char *subject_describe_at(const char *proc_root, pid_t pid);

#endif
