#!/bin/sh
# silent.sh PORT - a server that answers nothing: it registers PORT, reads
# every message delivered to it and logs it, and never replies.  It still
# does the console's bidding ("! LINE", "~ sync").
port=${1:?usage: silent.sh PORT}

printf '+ c {.message=,.pid=%s,.port=%s}\n' "$MIPC_PID" "$port" >&3
while IFS= read -r line <&3; do
	case $line in
	'! '*) printf '> %s\n' "${line#'! '}" >&3 ;;
	'~ sync') printf '~ synced\n' >&3 ;;
	esac
	printf 'got: %s\n' "$line"
done
