#include "panther/config.h"
