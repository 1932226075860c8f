"""asusd (6.1 and later) for panther's tests (dbusmock template): xyz.ljones.Asusd
with xyz.ljones.Platform at /xyz/ljones, PlatformProfile (u: 0 Balanced,
1 Performance, 2 Quiet, 3 LowPower) and PlatformProfileChoices (au).

    python3 -m dbusmock --system -t tests/harness/asusd_template.py -p '{"PlatformProfile": 0}'

Setting PlatformProfile to a value outside the choices is refused; a good
value emits PropertiesChanged.
"""

import dbus

BUS_NAME = 'xyz.ljones.Asusd'
MAIN_OBJ = '/xyz/ljones'
MAIN_IFACE = 'xyz.ljones.Platform'
SYSTEM_BUS = True


def set_property(mock, interface, name, value):
    if interface == MAIN_IFACE and name == 'PlatformProfile':
        if int(value) not in [int(c) for c in mock.props[MAIN_IFACE]['PlatformProfileChoices']]:
            raise dbus.exceptions.DBusException(f'platform profile {int(value)} is not a choice',
                                                name='org.freedesktop.DBus.Error.InvalidArgs')
        value = dbus.UInt32(value)
    elif interface == MAIN_IFACE:
        raise dbus.exceptions.DBusException(f'{name} is read-only',
                                            name='org.freedesktop.DBus.Error.PropertyReadOnly')
    mock.props[interface][name] = value
    mock.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as',
                    [interface, dbus.Dictionary({name: value}, signature='sv'), dbus.Array([], signature='s')])


def load(mock, parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'PlatformProfile': dbus.UInt32(parameters.get('PlatformProfile', 0)),
        'PlatformProfileChoices': dbus.Array([dbus.UInt32(c) for c in parameters.get('choices', [2, 0, 1])],
                                             signature='u'),
    }, signature='sv'))
    mock.AddMethod(dbus.PROPERTIES_IFACE, 'Set', 'ssv', '',
                   lambda self, interface, name, value: set_property(self, interface, name, value))
