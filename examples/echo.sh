#!/bin/sh
# echo.sh - echo.c's server in a few lines of sh: the child protocol is only
# lines of text on descriptor 3.
#
#	spawn e program="examples/echo.sh 7"
#
# It registers PORT and answers each message with its own text; "quit" is
# answered and ends it.  Answers and notices go to the log as they come.
port=${1:?usage: echo.sh PORT}

printf '+ c {.message=,.pid=%s,.port=%s}\n' "$MIPC_PID" "$port" >&3
printf 'echo.sh: %s serves port %s\n' "$MIPC_NAME" "$port"
while IFS= read -r line <&3; do
	case $line in
	'* received "'*)
		# * received "TEXT" from pid PID via port PORT: TEXT may hold
		# quotes, even '" from pid ', so the tail is cut from the right.
		text=${line#'* received "'}
		text=${text%'" from pid '*}
		printf '= %s\n' "$text" >&3
		printf 'answered: %s\n' "$text"
		[ "$text" = quit ] && exit 0
		;;
	'! '*)
		# The console's line, sent as our own.
		printf '> %s\n' "${line#'! '}" >&3
		printf 'sent: %s\n' "${line#'! '}"
		;;
	'~ sync')
		# A kill is coming: the log is written (printf does not buffer).
		printf '~ synced\n' >&3
		;;
	*)
		printf '%s\n' "$line"
		;;
	esac
done
echo "echo.sh: the kernel has gone, exiting"
