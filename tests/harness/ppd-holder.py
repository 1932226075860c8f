#!/usr/bin/python3
"""Another program holding a power profile, as `powerprofilesctl launch` does.

    ppd-holder.py PROFILE REASON APPLICATION_ID

Calls HoldProfile(PROFILE, REASON, APPLICATION_ID) on power-profiles-daemon
(org.freedesktop.UPower.PowerProfiles when owned, else net.hadess.PowerProfiles;
$PPD_HOLDER_NAME picks one, as an older program would) on the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set), prints "held COOKIE",
and keeps its connection until SIGTERM or SIGINT: ppd ends the hold when the
holder leaves the bus, so stopping this process releases it.
"""

import os
import signal
import sys

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAMES = (('org.freedesktop.UPower.PowerProfiles', '/org/freedesktop/UPower/PowerProfiles'),
         ('net.hadess.PowerProfiles', '/net/hadess/PowerProfiles'))


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    profile, reason, app_id = sys.argv[1:]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    wanted = os.environ.get('PPD_HOLDER_NAME')
    for name, path in NAMES:
        if (not wanted or name == wanted) and bus.name_has_owner(name):
            break
    else:
        print('ppd-holder: power-profiles-daemon is not on the system bus', file=sys.stderr)
        return 1
    ppd = dbus.Interface(bus.get_object(name, path), name)
    try:
        cookie = ppd.HoldProfile(profile, reason, app_id)
    except dbus.exceptions.DBusException as e:
        print(f'ppd-holder: HoldProfile: {e.get_dbus_message()}', file=sys.stderr)
        return 1
    print(f'held {int(cookie)}', flush=True)
    loop = GLib.MainLoop()
    for signo in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signo, loop.quit)
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
