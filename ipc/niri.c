#include "panther/niri.h"
