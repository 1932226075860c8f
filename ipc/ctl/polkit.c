#include "ctl.h"

int ctl_polkit(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl, (void)argc, (void)argv;
	ctl_error("polkit: not available in this build");
	return CTL_FAILED;
}
