/*
 * Linked only with the static libdbus-1 (see meson.build). The archive's
 * dbus-sysdeps-unix.o refers to these for dbus-daemon's socket activation,
 * which no client ever reaches. Saying "no sockets passed" is the answer
 * libsystemd itself gives outside socket activation.
 */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd, (void)family, (void)type, (void)listening;
	return 0;
}
