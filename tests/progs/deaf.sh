#!/bin/sh
# deaf.sh PORT... - a server that never reads: it registers each PORT and
# sleeps until it is killed.  What the kernel sends it (its answers, the
# messages for its ports) piles up until the kernel's output bound cuts it
# off.
[ $# -gt 0 ] || { echo "usage: deaf.sh PORT..."; exit 2; }

for port; do
	printf '+ c {.message=,.pid=%s,.port=%s}\n' "$MIPC_PID" "$port" >&3
done
echo "deaf.sh: $MIPC_NAME registered port $* and reads nothing"
exec sleep 3600
