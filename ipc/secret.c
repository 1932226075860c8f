#include "panther/secret.h"
