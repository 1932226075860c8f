#include "ctl.h"

int ctl_session(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl, (void)argc, (void)argv;
	ctl_error("session: not available in this build");
	return CTL_FAILED;
}
