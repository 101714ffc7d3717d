#!/bin/sh
# dies.sh PORT TARGET STATUS - a server that dies in the middle of a call.
# It registers PORT and links to TARGET; the first message delivered to it
# it passes on to TARGET in a blocking call ("? ..."), and when the console
# next has it send a line, it sends that line (after the call, so once the
# kernel has it, it has the call) and exits with STATUS, its call still
# unanswered.
port=${1:?usage: dies.sh PORT TARGET STATUS}
target=${2:?usage: dies.sh PORT TARGET STATUS}
status=${3:?usage: dies.sh PORT TARGET STATUS}
pid=$MIPC_PID

printf '+ c {.message=,.pid=%s,.port=%s}\n' "$pid" "$port" >&3
printf '+ {.message=,.pid=%s,.port=%s}\n' "$pid" "$target" >&3
called=0
while IFS= read -r line <&3; do
	printf 'got: %s\n' "$line"
	case $line in
	'* received "'*)
		text=${line#'* received "'}
		text=${text%'" from pid '*}
		printf '? {.message=%s,.pid=%s,.port=%s}\n' "$text" "$pid" "$target" >&3
		echo "called: $text"
		called=1
		;;
	'! '*)
		printf '> %s\n' "${line#'! '}" >&3
		if [ $called = 1 ]; then
			echo "dies.sh: exiting with status $status, blocked in its call"
			exit "$status"
		fi
		;;
	'~ sync') printf '~ synced\n' >&3 ;;
	esac
done
