#include "panther/daemon.h"
