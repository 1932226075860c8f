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

Every call is in the dbusmock log (-l) as "METHOD ARGS".
'''

import dbus
from gi.repository import GLib

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.systemd1'
MAIN_OBJ = '/org/freedesktop/systemd1'
MAIN_IFACE = 'org.freedesktop.systemd1.Manager'
SYSTEM_BUS = False


def load(mock, parameters):
    mock.next_job_id = 1
    mock.environment = {}
    mock.failed_units = list(parameters.get('failed_units', []))
    mock.target_result = parameters.get('target_result', 'done')
    mock.AddProperties(MAIN_IFACE, {'Version': 'v252 (panther test)'})


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


@dbus.service.method(MAIN_IFACE, in_signature='as', out_signature='')
def UnsetEnvironment(self, names):
    for n in names:
        self.environment.pop(str(n), None)


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
