#include "panther/loop.h"
