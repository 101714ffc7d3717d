#!/bin/sh
# twice.sh PORT - a server that replies to every message twice: "= TEXT",
# then "= TEXT, again", in one write, so that the kernel reads both before
# anything else can be delivered.  The second reply answers nothing.
port=${1:?usage: twice.sh PORT}

printf '+ c {.message=,.pid=%s,.port=%s}\n' "$MIPC_PID" "$port" >&3
while IFS= read -r line <&3; do
	case $line in
	'* received "'*)
		text=${line#'* received "'}
		text=${text%'" from pid '*}
		printf '= %s\n= %s, again\n' "$text" "$text" >&3
		;;
	'! '*) printf '> %s\n' "${line#'! '}" >&3 ;;
	'~ sync') printf '~ synced\n' >&3 ;;
	esac
	printf 'got: %s\n' "$line"
done
