#!/bin/sh
# run.sh - run every test of microipc and print one line per test, then
# "N passed, N failed".
#
#   tests/run.sh                 everything
#   tests/run.sh NAME...         only the tests whose name contains one of NAME
#
# The tests: the unit test binaries (build/.../tests/test_*), every scenario
# in scenarios/ on every event backend the binary has, the scenarios in
# tests/scenarios/ that must fail (fail-*: exit 1, syntax-*: exit 2), the
# integration scripts tests/t_*.sh on every backend, and the scripts
# tests/make_*.sh once.  A failing test's output is printed; a passing
# one's is thrown away.  A NAME that no test matches is an error.
#
# A scenario's lines "# error: TEXT" name a message its run must print
# (on standard output or error, the echo of the comment aside): a parser
# that lost a rule fails the scenario that shows it.  Every fail-* and
# syntax-* scenario names at least one.  A line "# run with: OPTIONS"
# gives the options a scenario needs (--deadlock refuse, a short
# --timeout).  After every scenario that runs, its event record must hold
# the record's invariants (tests/check_events).

MIPC=${MIPC:-bin/mipc}
BUILD=${BUILD:-build/default}
LIMIT=${TEST_LIMIT:-120}	# seconds one test may take
export MIPC

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mipc-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

wanted() {
	# Its variables are named apart: sh has no locals, and the callers
	# loop over $f and $name.
	[ -z "$FILTERS" ] && return 0
	for wanted_f in $FILTERS; do
		case $1 in *"$wanted_f"*) return 0 ;; esac
	done
	return 1
}

# Runs a command with a time limit; its status is the command's, or 124.
# The watchdog is never signalled: a subshell that gets a signal just as it
# starts can act on it only after its `sleep` (1 time in 500 on a busy
# machine), which held the run for the whole limit and then killed a pid
# that was no longer the command's.  It watches a file of its own instead,
# removed once the command is reaped, and goes within a tenth of a second.
runs=0
limited() {
	runs=$((runs + 1))
	running=$tmp/running.$runs
	: >"$running"
	"$@" &
	cmd=$!
	( i=0
	  while [ -e "$running" ]; do
		if [ $i -ge $((LIMIT * 10)) ]; then
			kill -9 "$cmd"
			break
		fi
		sleep 0.1
		i=$((i + 1))
	  done ) >/dev/null 2>&1 &
	wait "$cmd"
	st=$?
	rm -f "$running"
	[ $st -eq 137 ] && st=124
	return $st
}

result() {	# result NAME OK OUTFILE
	echo "$1" >>"$tmp/names"
	if [ "$2" = 1 ]; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		sed 's/^/    /' "$3" | tail -n 60
		failed=$((failed + 1))
	fi
}

FILTERS="$*"

# Checks that the output of the scenario FILE shows every message its
# "# error:" lines name; REQUIRED=1: it must name one.  What is missing is
# added to OUTFILE.
shows_errors() {	# shows_errors FILE OUTFILE REQUIRED
	sed -n 's/^# error: //p' "$1" | tr -d '\r' >"$tmp/errors"
	if [ ! -s "$tmp/errors" ]; then
		[ "$3" = 1 ] || return 0
		echo "$1 names no message it must print (a line '# error: TEXT')" >>"$2"
		return 1
	fi
	grep -v '^#' "$2" >"$tmp/shown"
	shown=1
	while IFS= read -r e; do
		grep -F -q -- "$e" "$tmp/shown" && continue
		echo "the output lacks: $e" >>"$2"
		shown=0
	done <"$tmp/errors"
	[ $shown = 1 ]
}

# Unit tests: each binary prints its own PASS/FAIL lines.  A suite that a
# NAME names runs whole; otherwise each NAME picks the cases it is part of.
: >"$tmp/names"
for bin in "$BUILD"/tests/test_*; do
	[ -x "$bin" ] || continue
	suite=${bin##*/test_}
	args=
	if [ -n "$FILTERS" ]; then
		args=$FILTERS
		for f in $FILTERS; do
			case "$suite" in *"$f"*) args= ;; esac
		done
	fi
	for arg in ${args:-.}; do
		[ "$arg" = . ] && arg=		# every case
		limited "$bin" $arg >"$tmp/out" 2>&1
		while IFS= read -r line; do
			case $line in
			PASS*) echo "$line"; passed=$((passed + 1)) ;;
			FAIL*) echo "$line"; failed=$((failed + 1)) ;;
			*) echo "$line" ;;
			esac
		done <"$tmp/out"
		sed -n 's/^\(PASS\|FAIL\) \([^ ]*\).*/\2/p' "$tmp/out" >>"$tmp/names"
		if ! grep -q '^\(PASS\|FAIL\)' "$tmp/out" && [ -z "$arg" ]; then
			result "unit/$suite" 0 "$tmp/out"
		fi
	done
done

# The options a scenario asks for on its "# run with:" line.
options() {
	sed -n 's/^# run with: //p' "$1"
}

# Whether the event record at $1 holds the invariants; why goes to $2.
record_holds() {
	if [ ! -f "$1" ]; then
		echo "    no event record at $1" >>"$2"
		return 1
	fi
	"$BUILD/tests/check_events" "$1" >>"$2" 2>&1 && return 0
	echo "    the event record breaks its invariants" >>"$2"
	return 1
}

backends=$("$MIPC" --backends 2>/dev/null)
[ -n "$backends" ] || { echo "FAIL $MIPC --backends printed nothing"; failed=$((failed + 1)); }

for be in $backends; do
	for f in scenarios/*.mipc; do
		[ -f "$f" ] || continue
		name="scenario/$be/$(basename "$f" .mipc)"
		wanted "$name" || continue
		rm -f "$tmp/logs/events.jsonl"
		limited "$MIPC" run --no-time --backend "$be" --log-dir "$tmp/logs" \
		    $(options "$f") "$f" >"$tmp/out" 2>&1
		st=$?
		ok=0; [ $st -eq 0 ] && ok=1
		[ $ok = 1 ] || echo "    (exit status $st)" >>"$tmp/out"
		shows_errors "$f" "$tmp/out" 0 || ok=0
		record_holds "$tmp/logs/events.jsonl" "$tmp/out" || ok=0
		result "$name" $ok "$tmp/out"
	done
	for f in tests/scenarios/*.mipc; do
		[ -f "$f" ] || continue
		base=$(basename "$f" .mipc)
		name="bad-scenario/$be/$base"
		wanted "$name" || continue
		case $base in
		fail-*) want=1 ;;
		syntax-*) want=2 ;;
		*) want=0 ;;
		esac
		rm -f "$tmp/logs/events.jsonl"
		limited "$MIPC" run --no-time --backend "$be" --log-dir "$tmp/logs" \
		    $(options "$f") "$f" >"$tmp/out" 2>&1
		st=$?
		ok=0; [ $st -eq $want ] && ok=1
		[ $want = 2 ] || record_holds "$tmp/logs/events.jsonl" "$tmp/out" || ok=0
		[ $ok = 1 ] || echo "    (exit status $st, expected $want)" >>"$tmp/out"
		shows_errors "$f" "$tmp/out" $((want != 0)) || ok=0
		result "$name" $ok "$tmp/out"
	done
	for t in tests/t_*.sh; do
		[ -f "$t" ] || continue
		name="integration/$be/$(basename "$t" .sh)"
		wanted "$name" || continue
		BACKEND=$be TMPDIR=$tmp limited sh "$t" >"$tmp/out" 2>&1
		st=$?
		ok=0; [ $st -eq 0 ] && ok=1
		[ $ok = 1 ] || echo "    (exit status $st)" >>"$tmp/out"
		result "$name" $ok "$tmp/out"
	done
done

# Scripts that need no backend, once each: the build itself.
for t in tests/make_*.sh; do
	[ -f "$t" ] || continue
	name="make/$(basename "$t" .sh | sed 's/^make_//')"
	wanted "$name" || continue
	TMPDIR=$tmp limited sh "$t" >"$tmp/out" 2>&1
	st=$?
	ok=0; [ $st -eq 0 ] && ok=1
	[ $ok = 1 ] || echo "    (exit status $st)" >>"$tmp/out"
	result "$name" $ok "$tmp/out"
done

# mipc bench, once, on a tiny count: every case ran and nothing failed, and
# a latency figure pools the round trips of its three runs (so its median
# lies between theirs).
if wanted "bench/smoke"; then
	TMPDIR=$tmp limited "$MIPC" bench --count 200 --rounds 3 --json \
	    >"$tmp/bench.json" 2>"$tmp/out"
	st=$?
	ok=1
	[ $st -eq 0 ] || { ok=0; echo "    (exit status $st)" >>"$tmp/out"; }
	for case in direct_rtt direct_window64 relay_rtt relay_window64 kernel_rtt \
	    kernel_window64 kernel_5_clients kernel_1024_slots; do
		grep -q "\"$case\": {\"round_trips\": [1-9]" "$tmp/bench.json" || {
			ok=0; echo "    $case did not run" >>"$tmp/out"; }
	done
	grep -q '"errors": [1-9]' "$tmp/bench.json" && {
		ok=0; echo "    a case had errors" >>"$tmp/out"; }
	for case in direct_rtt relay_rtt kernel_rtt; do
		grep "\"$case\"" "$tmp/bench.json" | awk '{
			if (!match($0, /"round_trips": [0-9]+/)) exit 1
			n = substr($0, RSTART + 15, RLENGTH - 15) + 0
			if (!match($0, /"p50_us": [0-9]+/)) exit 1
			p50 = substr($0, RSTART + 10, RLENGTH - 10) + 0
			if (!match($0, /"p50_us_runs": \[[0-9, ]*\]/)) exit 1
			k = split(substr($0, RSTART + 16, RLENGTH - 17), runs, ", ")
			lo = hi = runs[1] + 0
			for (i = 2; i <= k; i++) {
				if (runs[i] + 0 < lo) lo = runs[i] + 0
				if (runs[i] + 0 > hi) hi = runs[i] + 0
			}
			exit !(n >= 200 && k == 3 && p50 >= lo && p50 <= hi)
		}' || { ok=0; echo "    $case: not the round trips of 3 runs pooled" >>"$tmp/out"; }
	done
	[ $ok = 1 ] || cat "$tmp/bench.json" >>"$tmp/out"
	result "bench/smoke" $ok "$tmp/out"
fi

# A NAME that matched nothing is a typo, not a pass.
nomatch=0
for f in $FILTERS; do
	grep -F -q -- "$f" "$tmp/names" && continue
	echo "no test matches '$f' (names look like request.pid_range," \
	    "scenario/poll/walkthrough, integration/epoll/t_run, make/flags)"
	nomatch=1
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $nomatch = 0 ]
