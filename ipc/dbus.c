#include "panther/dbus.h"
