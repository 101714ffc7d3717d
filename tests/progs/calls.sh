#!/bin/sh
# calls.sh PORT - a program that makes two blocking calls to PORT at once,
# the second without waiting for the first.  A process makes one call at a
# time: the second is refused, and its answer comes after the first's, in
# the order the lines were sent.  Answers are logged as "got: ANSWER".
port=${1:?usage: calls.sh PORT}
pid=$MIPC_PID

{
	printf '+ {.message=,.pid=%s,.port=%s}\n' "$pid" "$port"
	printf '? {.message=first,.pid=%s,.port=%s}\n' "$pid" "$port"
	printf '? {.message=second,.pid=%s,.port=%s}\n' "$pid" "$port"
} >&3
while IFS= read -r line <&3; do
	case $line in
	'! '*) printf '> %s\n' "${line#'! '}" >&3 ;;
	'~ sync') printf '~ synced\n' >&3 ;;
	esac
	printf 'got: %s\n' "$line"
done
