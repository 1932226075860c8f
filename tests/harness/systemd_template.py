'''systemd user manager on the session bus, for panther-session's systemd mode.

dbusmock's own "systemd" template has no SetEnvironment, UnsetEnvironment or
Subscribe, lives on the system bus and only starts units added beforehand;
this one has what a session manager uses:

- SetEnvironment(as), UnsetEnvironment(as): kept in a dictionary that the
  mock method GetEnvironment() returns (as "NAME=VALUE" strings).
- Subscribe(), Unsubscribe().
- StartUnit(s, s) -> o and StopUnit(s, s) -> o for any unit name: the job is
  returned, then JobRemoved(u, o, s, s) follows. Parameter "failed_units"
  (list of names) makes StartUnit first emit a failed JobRemoved for each of
  them, as systemd does for a target's units that fail; parameter
  "target_result" (default "done") is the result of the started unit's job.

- The Manager's Environment property (as) follows SetEnvironment and
  UnsetEnvironment; parameter "environment" (object) is where it starts.
- Units (parameter "units": {"NAME": {"ActiveState": "failed", "NRestarts": 2}}):
  GetUnit(s) -> o at the path systemd gives (sd_bus_path_encode), where
  org.freedesktop.systemd1.Unit has Id and ActiveState and, for services,
  org.freedesktop.systemd1.Service has NRestarts; GetUnit of any other name
  fails with org.freedesktop.systemd1.NoSuchUnit as systemd 252 does for a
  unit that is not loaded. ListUnitsFiltered(as states) -> a(ssssssouso).

Every call is in the dbusmock log (-l) as "METHOD ARGS".
'''

import dbus
from gi.repository import GLib

import dbusmock
from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.systemd1'
MAIN_OBJ = '/org/freedesktop/systemd1'
MAIN_IFACE = 'org.freedesktop.systemd1.Manager'
SYSTEM_BUS = False


def load(mock, parameters):
    mock.next_job_id = 1
    mock.failed_units = list(parameters.get('failed_units', []))
    mock.target_result = parameters.get('target_result', 'done')
    mock.environment = {str(k): str(v) for k, v in parameters.get('environment', {}).items()}
    mock.AddProperties(MAIN_IFACE, {'Version': 'v252 (panther test)',
                                    'Environment': environment_array(mock)})
    mock.units = {}
    for name, props in parameters.get('units', {}).items():
        path = unit_path(name)
        mock.units[name] = (path, props.get('ActiveState', 'active'))
        mock.AddObject(path, 'org.freedesktop.systemd1.Unit', {
            'Id': dbus.String(name),
            'ActiveState': dbus.String(props.get('ActiveState', 'active')),
            'SubState': dbus.String(props.get('SubState', 'running')),
        }, [])
        if name.endswith('.service'):
            dbusmock.get_object(path).AddProperties('org.freedesktop.systemd1.Service', {
                'NRestarts': dbus.UInt32(props.get('NRestarts', 0))})


def unit_path(name):
    out = []
    for i, c in enumerate(name):
        if c.isascii() and (c.isalpha() or (c.isdigit() and i > 0)):
            out.append(c)
        else:
            out.append('_%02x' % ord(c))
    return dbus.ObjectPath(f'{MAIN_OBJ}/unit/' + ''.join(out))


def environment_array(mock):
    return dbus.Array([f'{k}={v}' for k, v in sorted(mock.environment.items())], signature='s')


def environment_changed(mock):
    mock.props[MAIN_IFACE]['Environment'] = environment_array(mock)


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def GetUnit(self, name):
    if str(name) not in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not loaded.',
                                            name='org.freedesktop.systemd1.NoSuchUnit')
    return self.units[str(name)][0]


@dbus.service.method(MAIN_IFACE, in_signature='as', out_signature='a(ssssssouso)')
def ListUnitsFiltered(self, states):
    return [(name, '', 'loaded', state, '', '', path, dbus.UInt32(0), '', dbus.ObjectPath('/'))
            for name, (path, state) in sorted(self.units.items())
            if not states or state in [str(s) for s in states]]


def new_job(mock):
    job_id = mock.next_job_id
    mock.next_job_id += 1
    return job_id, dbus.ObjectPath(f'{MAIN_OBJ}/job/{job_id}')


def emit_job_removed(mock, job_id, job_path, unit, result):
    mock.EmitSignal(MAIN_IFACE, 'JobRemoved', 'uoss',
                    [dbus.UInt32(job_id), job_path, unit, result])


@dbus.service.method(MAIN_IFACE, in_signature='as', out_signature='')
def SetEnvironment(self, assignments):
    for a in assignments:
        name, _, value = str(a).partition('=')
        self.environment[name] = value
    environment_changed(self)


@dbus.service.method(MAIN_IFACE, in_signature='as', out_signature='')
def UnsetEnvironment(self, names):
    for n in names:
        self.environment.pop(str(n), None)
    environment_changed(self)


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='')
def Subscribe(self):
    pass


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='')
def Unsubscribe(self):
    pass


def finish_start(mock, job_id, job_path, name):
    for unit in mock.failed_units:
        fid, fpath = new_job(mock)
        emit_job_removed(mock, fid, fpath, unit, 'failed')
    emit_job_removed(mock, job_id, job_path, name, mock.target_result)
    return False


@dbus.service.method(MAIN_IFACE, in_signature='ss', out_signature='o')
def StartUnit(self, name, _mode):
    job_id, job_path = new_job(self)
    GLib.idle_add(finish_start, self, job_id, job_path, str(name))
    return job_path


@dbus.service.method(MAIN_IFACE, in_signature='ss', out_signature='o')
def StopUnit(self, name, _mode):
    job_id, job_path = new_job(self)
    GLib.idle_add(lambda: emit_job_removed(self, job_id, job_path, str(name), 'done') and False)
    return job_path


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='as')
def GetEnvironment(self):
    return [f'{k}={v}' for k, v in sorted(self.environment.items())]
