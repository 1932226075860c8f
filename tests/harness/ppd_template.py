"""power-profiles-daemon, faithfully enough for panther's tests (dbusmock template).

    python3 -m dbusmock --system -t tests/harness/ppd_template.py \
        -p '{"names": "both", "profiles": ["power-saver", "balanced"]}'

Unlike dbusmock's stock template it behaves like the daemon (DESIGN.md 5.2):
- names: "legacy" (default: net.hadess.PowerProfiles at /net/hadess/PowerProfiles
  only, like Debian's ppd 0.12) or "both" (also org.freedesktop.UPower.PowerProfiles
  at /org/freedesktop/UPower/PowerProfiles, like ppd 0.20 and later; one state).
- ActiveProfile is the only writable property; unknown or unoffered profiles
  are refused; setting it releases every hold.
- Profiles is aa{sv} with Profile and Driver; "profiles" (parameter) picks them.
- Holds follow ppd 0.12's src/power-profiles-daemon.c (hold_profile,
  release_profile_hold, set_active_profile): HoldProfile(s profile, s reason,
  s app_id) -> u takes performance or power-saver only; power-saver wins a
  conflict; a hold ends with ReleaseProfile(u) or when its holder leaves the
  bus; when the last one ends, the profile last set through ActiveProfile
  comes back. Setting ActiveProfile to the active profile changes nothing;
  to another one it releases every hold (ProfileReleased(u) for each).
- PropertiesChanged on every change, from the object of each name, with
  ActiveProfile and ActiveProfileHolds in one signal when both change (as
  ppd's send_dbus_event does).
- Each Set is written to the mock's log (-l) as "Set PATH IFACE.ActiveProfile VALUE",
  each hold as "HoldProfile PROFILE REASON APP_ID -> COOKIE", each release as
  "ReleaseProfile COOKIE".

Control (on /org/pantheros/PpdMock, interface org.pantheros.PpdMock):
SetProfiles(as) changes what is offered (falling back to balanced when the
active one goes away); SetDegraded(s) sets PerformanceDegraded.
"""

import dbus
import dbus.service
from gi.repository import GLib

BUS_NAME = 'net.hadess.PowerProfiles'
MAIN_OBJ = '/org/pantheros/PpdMock'
MAIN_IFACE = 'org.pantheros.PpdMock'
SYSTEM_BUS = True

NAMES = {
    'net.hadess.PowerProfiles': '/net/hadess/PowerProfiles',
    'org.freedesktop.UPower.PowerProfiles': '/org/freedesktop/UPower/PowerProfiles',
}
KNOWN = ('power-saver', 'balanced', 'performance')
HOLDABLE = ('power-saver', 'performance')


class State:
    def __init__(self, profiles, active):
        self.profiles = list(profiles)
        self.active = active
        self.selected = active  # ppd's selected_profile: what holds return to
        self.degraded = ''
        self.holds = {}  # cookie -> (profile, reason, app_id, sender)
        self.next_cookie = 1
        self.objects = []
        self.watches = {}
        self.log = print
        self.version = '0.12-panther-mock'

    def props(self):
        return {
            'ActiveProfile': dbus.String(self.active),
            'Profiles': dbus.Array(
                [dbus.Dictionary({'Profile': dbus.String(p), 'Driver': dbus.String('panther-mock')},
                                 signature='sv') for p in self.profiles],
                signature='a{sv}'),
            'PerformanceDegraded': dbus.String(self.degraded),
            'PerformanceInhibited': dbus.String(''),
            'Actions': dbus.Array([], signature='s'),
            'ActiveProfileHolds': dbus.Array(
                [dbus.Dictionary({'ApplicationId': dbus.String(h[2]), 'Profile': dbus.String(h[0]),
                                  'Reason': dbus.String(h[1])}, signature='sv')
                 for h in self.holds.values()],
                signature='a{sv}'),
            'Version': dbus.String(self.version),
        }

    def changed(self, *names):
        if not names:
            return
        props = self.props()
        for obj in self.objects:
            obj.PropertiesChanged(obj.iface, dbus.Dictionary({n: props[n] for n in names},
                                                             signature='sv'), dbus.Array([], signature='s'))

    def effective_hold(self):
        held = [h[0] for h in self.holds.values()]
        if 'power-saver' in held:
            return 'power-saver'
        return held[-1] if held else None

    def hold(self, profile, reason, app_id, sender):
        cookie = self.next_cookie
        self.next_cookie += 1
        self.holds[cookie] = (profile, reason, app_id, sender)
        self.log(f'HoldProfile {profile} {reason} {app_id} -> {cookie}')
        names = ['ActiveProfileHolds']
        if profile != self.active:
            target = self.effective_hold()
            if target and target != self.active:
                self.active = target
                names.insert(0, 'ActiveProfile')
        return cookie, names

    def release(self, cookie):
        profile = self.holds.pop(cookie)[0]
        self.log(f'ReleaseProfile {cookie}')
        names = ['ActiveProfileHolds']
        if not self.holds and profile != self.selected:
            self.active = self.selected
            names.insert(0, 'ActiveProfile')
        elif profile == self.active:
            target = self.effective_hold()
            if target and target != self.active:
                self.active = target
                names.insert(0, 'ActiveProfile')
        self.changed(*names)

    def set_degraded(self, value):
        self.degraded = value
        self.changed('PerformanceDegraded')


def make_object_class(iface):
    class PowerProfiles(dbus.service.Object):
        # dbusmock replaces dbus-python's method lookup; it reads these two.
        methods = {}
        interface = iface

        def __init__(self, conn, path, state):
            self.iface = iface
            self.path = path
            self.state = state
            dbus.service.Object.__init__(self, conn, path)

        @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='ss', out_signature='v')
        def Get(self, interface, name):
            if interface != iface:
                raise dbus.exceptions.DBusException(f'No such interface {interface}',
                                                    name='org.freedesktop.DBus.Error.UnknownInterface')
            props = self.state.props()
            if name not in props:
                raise dbus.exceptions.DBusException(f'No such property {name}',
                                                    name='org.freedesktop.DBus.Error.UnknownProperty')
            return props[name]

        @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='s', out_signature='a{sv}')
        def GetAll(self, interface):
            if interface != iface:
                raise dbus.exceptions.DBusException(f'No such interface {interface}',
                                                    name='org.freedesktop.DBus.Error.UnknownInterface')
            return dbus.Dictionary(self.state.props(), signature='sv')

        @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='ssv', out_signature='')
        def Set(self, interface, name, value):
            state = self.state
            state.log(f'Set {self.path} {interface}.{name} {value}')
            if interface != iface:
                raise dbus.exceptions.DBusException(f'No such interface {interface}',
                                                    name='org.freedesktop.DBus.Error.UnknownInterface')
            if name != 'ActiveProfile':
                raise dbus.exceptions.DBusException(f'Property {name} is not writable',
                                                    name='org.freedesktop.DBus.Error.PropertyReadOnly')
            value = str(value)
            if value not in KNOWN:
                raise dbus.exceptions.DBusException(f"Invalid profile name '{value}'",
                                                    name='org.freedesktop.DBus.Error.InvalidArgs')
            if value not in state.profiles:
                raise dbus.exceptions.DBusException(f"Cannot switch to unavailable profile '{value}'",
                                                    name='org.freedesktop.DBus.Error.InvalidArgs')
            if value == state.active:
                return
            names = ['ActiveProfile']
            if state.holds:
                for cookie in list(state.holds):
                    state.holds.pop(cookie)
                    for obj in state.objects:
                        obj.ProfileReleased(dbus.UInt32(cookie))
                names.append('ActiveProfileHolds')
            state.active = state.selected = value
            state.changed(*names)

        @dbus.service.signal(dbus.PROPERTIES_IFACE, signature='sa{sv}as')
        def PropertiesChanged(self, interface, changed, invalidated):
            pass

        @dbus.service.method(iface, in_signature='sss', out_signature='u', sender_keyword='sender')
        def HoldProfile(self, profile, reason, app_id, sender=None):
            state = self.state
            if profile not in HOLDABLE or profile not in state.profiles:
                raise dbus.exceptions.DBusException(f"Cannot hold profile '{profile}'",
                                                    name='org.freedesktop.DBus.Error.InvalidArgs')
            cookie, names = state.hold(str(profile), str(reason), str(app_id), sender)
            if sender and sender not in state.watches:
                def owner_changed(owner, sender=sender):
                    if owner:
                        return
                    state.watches.pop(sender).cancel()
                    for c in [c for c, h in state.holds.items() if h[3] == sender]:
                        state.release(c)
                state.watches[sender] = self.connection.watch_name_owner(sender, owner_changed)
            # ppd answers first, then emits the change.
            GLib.idle_add(lambda: state.changed(*names) and False)
            return dbus.UInt32(cookie)

        @dbus.service.method(iface, in_signature='u', out_signature='')
        def ReleaseProfile(self, cookie):
            if int(cookie) not in self.state.holds:
                raise dbus.exceptions.DBusException(f'No hold with cookie {cookie}',
                                                    name='org.freedesktop.DBus.Error.InvalidArgs')
            self.state.release(int(cookie))

        @dbus.service.signal(iface, signature='u')
        def ProfileReleased(self, cookie):
            pass

    return PowerProfiles


def set_profiles(mock, profiles):
    state = mock.ppd_state
    for p in profiles:
        if p not in KNOWN:
            raise dbus.exceptions.DBusException(f'unknown profile {p}',
                                                name='org.freedesktop.DBus.Error.InvalidArgs')
    state.profiles = [str(p) for p in profiles]
    state.changed('Profiles')
    if state.active not in state.profiles:
        state.active = state.selected = 'balanced'
        state.changed('ActiveProfile')


def load(mock, parameters):
    names = parameters.get('names', 'legacy')
    if names not in ('legacy', 'both'):
        raise ValueError('names: expected "legacy" or "both"')
    state = State(parameters.get('profiles', list(KNOWN)), parameters.get('ActiveProfile', 'balanced'))
    # Only 0.20 and later own the UPower name.
    state.version = '0.20-panther-mock' if names == 'both' else '0.12-panther-mock'
    mock.ppd_state = state
    state.log = mock.log
    conn = mock.connection
    mock.ppd_bus_names = []
    for name, path in NAMES.items():
        if names == 'legacy' and name != BUS_NAME:
            continue
        if name != BUS_NAME:
            mock.ppd_bus_names.append(dbus.service.BusName(name, conn, do_not_queue=True))
        state.objects.append(make_object_class(name)(conn, path, state))
    mock.AddMethod(MAIN_IFACE, 'SetProfiles', 'as', '', lambda self, profiles: set_profiles(self, profiles))
    mock.AddMethod(MAIN_IFACE, 'SetDegraded', 's', '', lambda self, value: self.ppd_state.set_degraded(str(value)))
