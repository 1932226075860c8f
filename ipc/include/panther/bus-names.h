#ifndef PANTHER_BUS_NAMES_H
#define PANTHER_BUS_NAMES_H

/*
 * The D-Bus names panther answers to and the outside names two of its
 * programs call, each defined once: the daemons export and pantherctl calls
 * the same strings. Each panther object has one interface, named as its bus
 * name, at the matching path (DESIGN.md, Names).
 */

/* panther-powerd's power1 object (power/power1.c). */
#define PN_POWER1_NAME "org.pantheros.Power1"
#define PN_POWER1_PATH "/org/pantheros/Power1"
#define PN_POWER1_IFACE PN_POWER1_NAME
#define PN_POWER1_ERROR_UNKNOWN_PROFILE PN_POWER1_IFACE ".Error.UnknownProfile"
#define PN_POWER1_ERROR_NO_BACKEND PN_POWER1_IFACE ".Error.NoBackend"
#define PN_POWER1_ERROR_FAILED PN_POWER1_IFACE ".Error.Failed"

/* panther-session's session1 object (session/session1.c). */
#define PN_SESSION1_NAME "org.pantheros.Session1"
#define PN_SESSION1_PATH "/org/pantheros/Session1"
#define PN_SESSION1_IFACE PN_SESSION1_NAME
#define PN_SESSION1_ERROR_UNKNOWN_SERVICE PN_SESSION1_IFACE ".Error.UnknownService"
#define PN_SESSION1_ERROR_NOT_SUPPORTED PN_SESSION1_IFACE ".Error.NotSupported"
#define PN_SESSION1_ERROR_STOPPING PN_SESSION1_IFACE ".Error.Stopping"

/* panther-polkit-agent's agent1 object (polkit-agent/agent1.c). */
#define PN_AGENT1_NAME "org.pantheros.PolkitAgent1"
#define PN_AGENT1_PATH "/org/pantheros/PolkitAgent1"
#define PN_AGENT1_IFACE PN_AGENT1_NAME

/* Outside programs. */
#define PN_NOTIFY_NAME "org.freedesktop.Notifications"
#define PN_NOTIFY_PATH "/org/freedesktop/Notifications"
#define PN_NOTIFY_IFACE PN_NOTIFY_NAME
#define PN_SYSTEMD_NAME "org.freedesktop.systemd1"
#define PN_SYSTEMD_PATH "/org/freedesktop/systemd1"
#define PN_SYSTEMD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define PN_ASUSD_NAME "xyz.ljones.Asusd"
#define PN_ASUSD_PATH "/xyz/ljones"
#define PN_ASUSD_PLATFORM_IFACE "xyz.ljones.Platform"
/*
 * power-profiles-daemon: this name from 0.20 on, the old one before (both
 * own the name, path and interface of the same spelling).
 */
#define PN_PPD_NAME "org.freedesktop.UPower.PowerProfiles"
#define PN_PPD_PATH "/org/freedesktop/UPower/PowerProfiles"
#define PN_PPD_OLD_NAME "net.hadess.PowerProfiles"
#define PN_PPD_OLD_PATH "/net/hadess/PowerProfiles"

#endif
