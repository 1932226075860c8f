#include "ctl.h"

int ctl_check_config(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl, (void)argc, (void)argv;
	ctl_error("check-config: not available in this build");
	return CTL_FAILED;
}
