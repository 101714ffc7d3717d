# lib.sh - helpers for the integration scripts (sourced).
# Each script gets MIPC, BACKEND and a private TMPDIR from tests/run.sh.

MIPC=${MIPC:-bin/mipc}
BACKEND=${BACKEND:-poll}
T=$(mktemp -d "${TMPDIR:-/tmp}/t.XXXXXX") || exit 1
trap 'cleanup' EXIT INT TERM
cleanup_hooks=

cleanup() {
	for h in $cleanup_hooks; do $h; done
	rm -rf "$T"
}

fail() {
	echo "FAILED: $*" >&2
	exit 1
}

# Fails unless the file holds a line matching the fixed string.
has() {	# has FILE STRING
	grep -F -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "$1 lacks: $2"; }
}

hasnt() {
	! grep -F -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "$1 has: $2"; }
}

# True while process $1 exists (zombies count as gone).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	case $st in Z*|"") return 1 ;; esac
	return 0
}

# Every process below $1, now.
descendants() {	# descendants PID
	ps -A -o pid= -o ppid= | awk -v top="$1" '
	    { parent[$1] = $2 }
	    END {
		for (p in parent)
			for (q = parent[p]; q != ""; q = parent[q])
				if (q == top) { print p; break }
	    }'
}

# Waits until the shell command $1 succeeds, $3 seconds at most (5 by
# default); fails naming $2.
wait_until() {	# wait_until COMMAND WHAT [SECONDS]
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -le $((${3:-5} * 100)) ] || fail "no $2 within ${3:-5} s"
		sleep 0.01
	done
}
