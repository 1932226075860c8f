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

#endif
