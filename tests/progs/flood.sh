#!/bin/sh
# flood.sh - a program that writes lines as fast as it can and never reads
# a word of their answers.  The kernel answers each (ERR EINVAL: "flood" is
# not a line of the protocol) until the answers it cannot deliver pass its
# output bound; then it cuts the program off and kills it.
echo "flood.sh: $MIPC_NAME floods"
while :; do
	echo flood
done >&3
