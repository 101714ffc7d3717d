#!/bin/sh
# exit.sh PORT HOW - a program that registers PORT and ends at once, without
# reading its answer: with status HOW (a number), or by the signal HOW (a
# name such as KILL).  The kernel still reads the line it sent.
port=${1:?usage: exit.sh PORT STATUS|SIGNAL}
how=${2:?usage: exit.sh PORT STATUS|SIGNAL}

printf '+ c {.message=,.pid=%s,.port=%s}\n' "$MIPC_PID" "$port" >&3
echo "exit.sh: $MIPC_NAME registered port $port and ends: $how"
case $how in
*[!0-9]*) kill -s "$how" $$ ;;
esac
exit "$how"
