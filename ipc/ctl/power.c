#include "ctl.h"

int ctl_power(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl, (void)argc, (void)argv;
	ctl_error("power: not available in this build");
	return CTL_FAILED;
}
