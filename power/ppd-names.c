#include "panther/bus-names.h"
#include "ppd.h"

const struct ppd_name ppd_names[PPD_N_NAMES] = {
	{PN_PPD_NAME, PN_PPD_PATH},
	{PN_PPD_OLD_NAME, PN_PPD_OLD_PATH},
};
