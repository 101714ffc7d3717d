#!/bin/sh
# garbage.sh PORT - a program that breaks the child protocol.  It sends a
# burst of lines that are not lines of the protocol, or are requests the
# kernel must refuse, then a good one (registering PORT), before it reads
# a word; then it logs every answer as "got: ANSWER" in the order they
# come, says "garbage.sh: done" after the 14th, and serves PORT as echo.sh
# does.
port=${1:?usage: garbage.sh PORT}
pid=$MIPC_PID

{
	echo 'hello'				# no marker
	echo ''					# an empty line
	echo '+'				# a marker without its blank
	echo 'OK an answer'			# the kernel's own lines
	echo '! dump'
	echo '* received "x" from pid 1 via port 2'
	echo '~ sync'
	echo '+ {.message=x,.pid=1'		# a request cut short
	echo '? not a request'
	echo '+ c {.message=,.pid=1,.port=9}'	# a pid not its own
	printf '+ %01100d\n' 0			# over 1024 bytes
	echo '= nobody asked'			# a reply, and no delivery
	# a console line that no console line asked for
	printf '> c {.message=,.pid=%s,.port=%s}\n' "$pid" "$port"
	printf '+ c {.message=,.pid=%s,.port=%s}\n' "$pid" "$port"
} >&3

n=0
while IFS= read -r line <&3; do
	case $line in
	'OK'*|'ERR '*)
		printf 'got: %s\n' "$line"
		n=$((n + 1))
		[ $n = 14 ] && echo "garbage.sh: done"
		;;
	'* received "'*)
		text=${line#'* received "'}
		text=${text%'" from pid '*}
		printf '= %s\n' "$text" >&3
		printf 'answered: %s\n' "$text"
		;;
	'! '*)
		printf '> %s\n' "${line#'! '}" >&3
		printf 'sent: %s\n' "${line#'! '}"
		;;
	'~ sync') printf '~ synced\n' >&3 ;;
	*) printf '%s\n' "$line" ;;
	esac
done
