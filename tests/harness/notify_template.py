"""The notification server of a DankMaterialShell session (dbusmock template).

    python3 -m dbusmock -t tests/harness/notify_template.py -l LOG

Models what a user sees, taken from the sources (read, not copied):
- Quickshell's NotificationServer::Notify (src/services/notifications/server.cpp,
  quickshell-mirror/quickshell 2571766): a replaces_id that is still tracked
  only updates that notification's properties and emits no new notification,
  so no popup appears; an id not tracked (0, or closed) makes a new one.
  CloseNotification of a tracked id drops it and emits NotificationClosed(id, 3).
- DMS's NotificationService.qml (AvengeMedia/DankMaterialShell f89b21a,
  2026-08): a new notification pops up; its popup hides after expire_timeout
  ms when that is >= 0, else after the urgency's setting (low and normal
  5000 ms, critical never); a popup that times out is only hidden: the
  notification stays tracked (only the user's dismissal or the sender's
  CloseNotification ends it). The popup timer starts when the popup appears
  and an update does not restart it.

Log lines (-l): "popup ID SUMMARY | BODY", "update ID SUMMARY | BODY" (a
tracked notification changed, nothing new on screen), "hidden ID" (its
popup timed out), "closed ID".
"""

import dbus
import dbus.service
from gi.repository import GLib

BUS_NAME = 'org.freedesktop.Notifications'
MAIN_OBJ = '/org/pantheros/NotifyMock'
MAIN_IFACE = 'org.pantheros.NotifyMock'
SYSTEM_BUS = False

PATH = '/org/freedesktop/Notifications'
IFACE = 'org.freedesktop.Notifications'
# DMS's SettingsData: notificationTimeoutLow/Normal/Critical.
URGENCY_TIMEOUT_MS = {0: 5000, 1: 5000, 2: 0}


class Server(dbus.service.Object):
    # dbusmock replaces dbus-python's method lookup; it reads these two.
    methods = {}
    interface = IFACE

    def __init__(self, conn, log):
        self.log = log
        self.tracked = {}  # id -> {"summary", "body", "popup"}
        self.next_id = 1
        dbus.service.Object.__init__(self, conn, PATH)

    def hide(self, nid):
        n = self.tracked.get(nid)
        if n and n['popup']:
            n['popup'] = False
            self.log(f'hidden {nid}')
        return False

    @dbus.service.method(IFACE, in_signature='susssasa{sv}i', out_signature='u')
    def Notify(self, app, replaces_id, icon, summary, body, actions, hints, timeout):
        replaces_id = int(replaces_id)
        if replaces_id and replaces_id in self.tracked:
            n = self.tracked[replaces_id]
            n['summary'], n['body'] = str(summary), str(body)
            self.log(f'update {replaces_id} {summary} | {body}')
            return dbus.UInt32(replaces_id)
        nid = self.next_id
        self.next_id += 1
        self.tracked[nid] = {'summary': str(summary), 'body': str(body), 'popup': True}
        self.log(f'popup {nid} {summary} | {body}')
        urgency = int(hints.get('urgency', 1))
        ms = int(timeout) if int(timeout) >= 0 else URGENCY_TIMEOUT_MS.get(urgency, 5000)
        if ms > 0:
            GLib.timeout_add(ms, self.hide, nid)
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature='u', out_signature='')
    def CloseNotification(self, nid):
        nid = int(nid)
        if nid in self.tracked:
            self.hide(nid)
            del self.tracked[nid]
            self.log(f'closed {nid}')
            self.NotificationClosed(dbus.UInt32(nid), dbus.UInt32(3))

    @dbus.service.method(IFACE, in_signature='', out_signature='as')
    def GetCapabilities(self):
        return ['actions', 'body', 'body-markup', 'body-hyperlinks', 'icon-static',
                'inline-reply', 'persistence']

    @dbus.service.method(IFACE, in_signature='', out_signature='ssss')
    def GetServerInformation(self):
        return ('quickshell', 'quickshell', '0.2.0', '1.2')

    @dbus.service.signal(IFACE, signature='uu')
    def NotificationClosed(self, nid, reason):
        pass


def load(mock, parameters):
    mock.notify_server = Server(mock.connection, mock.log)
