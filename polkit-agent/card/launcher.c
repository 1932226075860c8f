#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/*
 * panther-polkit-prompt: the card's process, made undumpable before any
 * library of the card is loaded. execve leaves a process dumpable (the
 * agent's own setting does not carry over), and while it is, any other
 * process of the user may trace it or read its memory. Libraries linked at
 * build time are mapped and their constructors run before main, so the card
 * itself (cairo, pango, fontconfig, wayland, xkbcommon) is a module,
 * panther-polkit-card.so beside this program, loaded only once
 * PR_SET_DUMPABLE is 0. This program needs the C library alone, which the
 * dynamic loader maps before main: no answer has been asked for by then.
 */

#define CARD_MODULE "panther-polkit-card.so"

typedef int card_main_fn(int argc, char **argv);

int main(int argc, char **argv)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		fprintf(stderr, "panther-polkit-prompt: cannot make the card undumpable: %s\n",
			strerror(errno));
		return 1;
	}
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - sizeof(CARD_MODULE));
	char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
	if (!slash) {
		fprintf(stderr, "panther-polkit-prompt: cannot find its own program file: %s\n",
			n < 0 ? strerror(errno) : "no directory");
		return 1;
	}
	memcpy(slash + 1, CARD_MODULE, sizeof(CARD_MODULE));
	void *card = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!card) {
		fprintf(stderr, "panther-polkit-prompt: cannot load the card: %s\n", dlerror());
		return 1;
	}
	card_main_fn *card_main;
	*(void **)&card_main = dlsym(card, "panther_card_main");
	if (!card_main) {
		fprintf(stderr, "panther-polkit-prompt: %s has no panther_card_main\n", path);
		return 1;
	}
	return card_main(argc, argv);
}
