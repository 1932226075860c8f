#include "panther/log.h"
