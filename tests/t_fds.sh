# A child holds its standard fds and its socket, and nothing else the
# kernel had open: checked where /proc shows a process's fds.
. tests/lib.sh
[ -d /proc/self/fd ] || exit 0

sock=$T/kernel.sock
"$MIPC" kernel --backend "$BACKEND" --socket "$sock" --log-dir "$T/logs" \
    7>"$T/extra" 8<"$T/extra" 9>"$T/extra2" >"$T/kout" 2>&1 &
kpid=$!
stop_kernel() { kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null; }
cleanup_hooks=stop_kernel

# The socket appears once the kernel listens: wait for it, for 5 s at most.
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1))
	[ $i -le 500 ] && alive "$kpid" || { cat "$T/kout"; fail "no kernel socket"; }
	sleep 0.01
done

printf 'spawn one\nspawn two\n' | "$MIPC" attach --socket "$sock" >"$T/out" ||
    fail "attach exited $?"
for name in one two; do
	pid=$(sed -n "s/.*spawned $name as pid [0-9]* (OS pid \([0-9]*\)).*/\1/p" "$T/out")
	[ -n "$pid" ] || { cat "$T/out"; fail "no OS pid for $name"; }
	fds=$(ls /proc/"$pid"/fd)
	n=$(echo "$fds" | wc -l)
	[ "$n" -eq 4 ] || { ls -l /proc/"$pid"/fd; fail "$name holds $n fds, not 4"; }
	for fd in $fds; do
		case $(readlink /proc/"$pid"/fd/"$fd") in
		"$T"/extra*) fail "$name inherited fd $fd" ;;
		esac
	done
done
kill "$kpid"
wait "$kpid" || fail "the kernel exited $? on SIGTERM"
cleanup_hooks=
exit 0
