#!/bin/bash
# An `op` that misbehaves, for tests/faults/op.sh. The mode comes from the
# file "mode" in its directory, found as tests/harness/op-standin.sh finds it
# (to which every other mode goes):
#   crash     dies of SIGSEGV, having printed half a password
#   binary    prints 300 random bytes with a NUL byte and a line break among them
#   stderr    writes 10 MiB to stderr, nothing on stdout, exits 1
#   endless   prints without end (until killed)
#   orphan    exits 0 with no answer, leaving a child that holds stdout open
set -u
dir=${PANTHER_TEST_OP_DIR:-$(dirname "$0")}
read -r mode <"$dir/mode"
case $mode in
crash | binary | stderr | endless | orphan)
	echo "1 $*" >>"$dir/calls"
	echo $$ >"$dir/pid.1"
	;;
esac
case $mode in
crash)
	printf 'pktest-pass'
	kill -SEGV $$
	;;
binary)
	head -c 150 /dev/urandom
	printf 'x\0y\n'
	head -c 150 /dev/urandom
	;;
stderr)
	head -c 10485760 /dev/zero | tr '\0' e >&2
	exit 1
	;;
endless)
	exec yes panther
	;;
orphan)
	sleep 3600 &
	echo $! >"$dir/orphan"
	exit 0
	;;
*)
	PANTHER_TEST_OP_DIR=$dir exec "$(dirname "$(readlink -f "$0")")/../harness/op-standin.sh" "$@"
	;;
esac
