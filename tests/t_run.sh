# mipc run: the trace, the logs, the exit statuses, no processes left behind.
. tests/lib.sh

# The walk-through: its trace names the backend first, the server's log holds
# the delivery, and the kernel's log records the decisions.
"$MIPC" run --backend "$BACKEND" --log-dir "$T/logs" scenarios/walkthrough.mipc \
    >"$T/trace" 2>"$T/err" || fail "walkthrough exited $?"
head -n 1 "$T/trace" | grep -q "backend $BACKEND" || fail "first line does not name the backend"
has "$T/logs/server.log" 'received "hello world" from pid 1234 via port 8080'
has "$T/logs/server.log" "answered: response written to port: 8080"
has "$T/logs/client.log" "got: OK response written to port: 8080"
has "$T/logs/kernel.log" "kernel started: backend $BACKEND"
has "$T/trace" '| process table: 6 slots'

# At the end of the run each child reads what it was sent, logs it and exits
# by itself, one at a time in the order they were spawned: the logs are whole.
has "$T/logs/client.log" "got: ERR ENOENT port 8080 is not registered"
tail -n 1 "$T/logs/client.log" | grep -q "kernel closed the connection, exiting" ||
    fail "client.log does not end with its end of file"
grep -o '\* [a-z]* (pid [0-9]*) exited with status 0' "$T/trace" >"$T/ends"
printf '%s\n' '* server (pid 5678) exited with status 0' \
    '* client (pid 1234) exited with status 0' | cmp -s - "$T/ends" ||
    { cat "$T/ends"; fail "the children did not end in spawn order"; }

# The console has a child write its log ("~ sync") before it signals it:
# what the child was sent is in its log, even when a SIGKILL follows.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lk" scenarios/killed-server.mipc \
    >"$T/killed" || fail "killed-server exited $?"
has "$T/lk/server.log" 'received "first" from pid 1234 via port 8080'
has "$T/lk/client.log" 'sent: {.message=into the void,.pid=1234,.port=9000}'

# No child outlives the run: every OS pid the trace named is gone.
for pid in $(sed -n 's/.*(OS pid \([0-9]*\)).*/\1/p' "$T/trace"); do
	alive "$pid" && fail "child $pid outlived the run"
done

# The same trace every time with --no-time.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l1" scenarios/six-processes.mipc >"$T/a" || fail "six exited $?"
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l2" scenarios/six-processes.mipc >"$T/b" || fail "six exited $?"
cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b"; fail "two --no-time traces differ"; }
hasnt "$T/a" "OS pid"
has "$T/l1/kernel.log" "spawned "
hasnt "$T/l1/kernel.log" "OS pid"

# A false expect: exit 1, the file and line named, and the run goes on.
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l3" tests/scenarios/fail-expect-ok.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 1 ] || fail "a false expect exited $st, not 1"
has "$T/out" "tests/scenarios/fail-expect-ok.mipc:5"
has "$T/out" "1 expect held, 1 failed"
# One listing three slots of six says so, not where the first differs.
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l3" tests/scenarios/fail-expect-table-count.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 1 ] || fail "a false expect table exited $st, not 1"
has "$T/out" "the table has 6 slots, the line lists 3"

# quit in a file ends that file as its end would: the run goes on to the
# next file and exits, not wait for a signal.
printf 'spawn a pid=1\nquit\nspawn b\n' >"$T/quit.mipc"
printf 'spawn c\nexpect alive c\n' >"$T/after.mipc"
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lq" "$T/quit.mipc" \
    "$T/after.mipc" >"$T/out" 2>"$T/err" &
qpid=$!
stop_q() { kill -9 "$qpid" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks stop_q"
wait_until '! alive $qpid' "end of a run whose first file says quit" 10
st=0; wait "$qpid" || st=$?
[ $st -eq 0 ] || fail "a run with quit in its first file exited $st"
has "$T/out" "after.mipc: 1 expect held, 0 failed"
hasnt "$T/out" "spawned b"
has "$T/out" "== quit at line 2: the 1 line after it does not run"
printf 'spawn a\nshutdown\n# no line\nps\nps\n' >"$T/shut.mipc"
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lsh" "$T/shut.mipc" >"$T/out" 2>&1 ||
    { cat "$T/out"; fail "shutdown in a file: exit status"; }
has "$T/out" "== shutdown at line 2: the 2 lines after it do not run"

# Right after kill NAME CONT the child counts as running: ps says so, and
# a kill then lets it answer and log what it was sent before the signal.
cat >"$T/cont.mipc" <<'EOF2'
spawn s pid=1
spawn c pid=2
s: c {.message=x,.pid=1,.port=80}
c: {.message=x,.pid=2,.port=80}
kill s STOP
c: {.message=m1,.pid=2,.port=80} &
kill s CONT
ps
kill s
wait c
expect ok
EOF2
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lc" "$T/cont.mipc" >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 0 ] || { cat "$T/out"; fail "kill right after CONT: exit $st"; }
grep -q '^| s  *1  *- *running' "$T/out" || { cat "$T/out"; fail "ps after CONT does not say running"; }
[ "$(sed -n 's/^| \([sc]\)  .*/\1/p' "$T/out" | tr -d '\n')" = sc ] ||
    { cat "$T/out"; fail "ps does not list the children in the order they were spawned"; }
has "$T/lc/s.log" 'received "m1" from pid 2 via port 80'

# Runs a scenario that must hold: runs_ok WHAT FILE [OPTION...]; its trace
# is left in $T/out, the logs in $T/l-WHAT.
runs_ok() {
	what=$1 file=$2
	shift 2
	st=0
	"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l-$what" "$@" "$file" \
	    >"$T/out" 2>"$T/err" || st=$?
	[ $st -eq 0 ] || { cat "$T/out" "$T/err"; fail "$what: exit $st"; }
}

# A child ignores SIGPIPE (it takes a closed kernel as a write error), so
# kill NAME PIPE is done once sent, as USR1 or HUP (which the kernel itself
# catches) are done when they have ended it.
cat >"$T/pipe.mipc" <<'EOF2'
spawn s
kill s PIPE
expect ok
expect alive s
kill s USR1
expect ok
expect dead s
spawn h
kill h HUP
expect ok
expect dead h
EOF2
runs_ok pipe "$T/pipe.mipc" --timeout 1000
has "$T/out" "OK SIGPIPE sent to s"

# A name is free again once kill has answered: a child spawned by it at
# once gets its lines (its record was the dead one's, emptied after).
cat >"$T/again.mipc" <<'EOF2'
spawn s pid=1
kill s
spawn s pid=1
s: c {.message=x,.pid=1,.port=80}
expect ok
s: c {.message=x,.pid=1,.port=81}
expect ok
wait s
expect ok
EOF2
runs_ok again "$T/again.mipc" --timeout 1000

# A comment may be longer than a line may be: it runs nothing.
{ printf '# '; head -c 2000 /dev/zero | tr '\0' x; printf '\nspawn a\nexpect ok\n'; } >"$T/longc.mipc"
runs_ok long-comment "$T/longc.mipc"

# A file with CRLF line ends runs as it would with LF, and its trace and
# log carry no CR.
printf '# from Windows\r\nspawn a pid=1\r\nexpect ok\r\n' >"$T/crlf.mipc"
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lcr" "$T/crlf.mipc" >"$T/out" ||
    fail "a CRLF scenario exited $?"
has "$T/out" "> spawn a pid=1"
! grep -q "$(printf '\r')" "$T/out" "$T/lcr/kernel.log" || fail "a CR in the trace or the log"

# A line sent to a stopped NAME is answered ETIMEDOUT once --timeout has
# passed, and does not run when NAME goes on: port 1 is never registered.
cat >"$T/late.mipc" <<'EOF2'
spawn a
kill a STOP
a: c {.message=x,.pid=1000,.port=1}
expect err ETIMEDOUT
kill a CONT
a: c {.message=x,.pid=1000,.port=2}
expect ok
expect table 2 - - - - -
EOF2
runs_ok late "$T/late.mipc" --timeout 200
has "$T/out" "ERR ETIMEDOUT a did not send the line within 200 ms (is it stopped?)"
has "$T/l-late/a.log" "got: ERR ETIMEDOUT sent after the console had given up on this line"

# A file is read once, checked and run as read: a pipe works too.
st=0
printf 'spawn s pid=1\nexpect alive s\n' |
    "$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lp" /dev/stdin >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 0 ] || fail "a scenario on /dev/stdin exited $st"
has "$T/out" "/dev/stdin: 1 expect held, 0 failed"

# A kernel that cannot write its own log refuses to start and leaves the
# last run's logs alone.
mkdir -p "$T/kd/kernel.log"
echo old >"$T/kd/a.log"
st=0
"$MIPC" run --backend "$BACKEND" --log-dir "$T/kd" scenarios/walkthrough.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "a log directory whose kernel.log is a directory: exit $st"
has "$T/err" "kd/kernel.log is a directory, not a regular file: remove it, or choose another --log-dir"
[ -f "$T/kd/a.log" ] || fail "a refused run removed the last run's logs"

# A new run replaces the last run's logs (with or without timestamps), but
# not files of somebody else's that happen to end in .log; `mipc logs` lists
# only the run's.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lo" scenarios/walkthrough.mipc \
    >/dev/null || fail "walkthrough into lo exited $?"
echo "my notes" >"$T/lo/notes.log"
: >"$T/lo/empty.log"
cp "$T/lo/server.log" "$T/lo/copy.log"	# a child's log, but not by its name
printf 'started: Big, pid 5\n' >"$T/lo/Big.log"	# Big cannot be a NAME
printf 'spawn solo\n' >"$T/solo.mipc"
"$MIPC" run --backend "$BACKEND" --log-dir "$T/lo" "$T/solo.mipc" >/dev/null ||
    fail "solo exited $?"
for f in server client; do
	[ ! -e "$T/lo/$f.log" ] || fail "the last run's $f.log was left"
done
for f in notes empty copy Big solo kernel; do
	[ -f "$T/lo/$f.log" ] || fail "$f.log was removed"
done
has "$T/lo/notes.log" "my notes"
"$MIPC" run --backend "$BACKEND" --log-dir "$T/lo" "$T/solo.mipc" >/dev/null ||
    fail "solo again exited $?"
[ "$(grep -c 'started: solo' "$T/lo/solo.log")" = 1 ] ||
    fail "a timestamped log of the last run was not replaced"
"$MIPC" logs --log-dir "$T/lo" >"$T/out" || fail "logs exited $?"
[ "$(awk '{ print $1 }' "$T/out" | tr '\n' ' ')" = "kernel solo " ] ||
    { cat "$T/out"; fail "mipc logs listed more than the run's logs"; }

# mipc logs NAME: a log that is not there is an error at once; with -f it
# is waited for, as tail -F waits, saying so and naming the logs that are
# there (a misspelt NAME shows); a run that spawns NAME then writes it.
st=0; "$MIPC" logs --log-dir "$T/lo" late >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 1 ] || fail "logs of a NAME with no log exited $st"
has "$T/err" "no log for late in $T/lo (No such file or directory)"
"$MIPC" logs --log-dir "$T/lo" late -f >"$T/fout" 2>"$T/ferr" &
fpid=$!
stop_f() { kill "$fpid" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks stop_f"
wait_until '[ -s "$T/ferr" ]' "word from logs -f on a log not there yet"
has "$T/ferr" "mipc: no log for late in $T/lo yet (the logs there: kernel, solo): waiting for a run to write $T/lo/late.log, ^C to stop"
printf 'spawn late\n' >"$T/late.mipc"
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lo" "$T/late.mipc" >/dev/null ||
    fail "late exited $?"
wait_until 'grep -q "started: late" "$T/fout"' "log followed once a run wrote it"
alive $fpid || fail "logs -f ended by itself"
kill $fpid; wait $fpid 2>/dev/null
# and a directory that is not there yet is waited for too, and said
"$MIPC" logs --log-dir "$T/new" x -f >/dev/null 2>"$T/ferr2" &
fpid=$!
wait_until '[ -s "$T/ferr2" ]' "word from logs -f in a directory not there yet"
has "$T/ferr2" "no log for x in $T/new yet ($T/new does not exist yet)"
kill $fpid; wait $fpid 2>/dev/null

# A syntax error: exit 2, reported with its line, before anything ran.
st=0
"$MIPC" run --backend "$BACKEND" --log-dir "$T/l4" tests/scenarios/syntax-unknown-verb.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "a syntax error exited $st, not 2"
has "$T/err" "syntax-unknown-verb.mipc:4: unknown verb 'frobnicate'"
[ ! -e "$T/l4" ] || fail "a refused run touched the log directory"

# Usage errors exit 2 with a message.
st=0; "$MIPC" run >/dev/null 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "run without a file exited $st"
st=0; "$MIPC" run --slots 0 x >/dev/null 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "--slots 0 exited $st"
has "$T/err" "--slots takes a number from 1 to 1024"
st=0; "$MIPC" run --no-such-option x >/dev/null 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "an unknown option exited $st"
st=0; "$MIPC" run "$T/missing.mipc" >/dev/null 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "a missing file exited $st"
for r in 0 26; do
	st=0; "$MIPC" bench --rounds $r >/dev/null 2>"$T/err" || st=$?
	[ $st -eq 2 ] || fail "bench --rounds $r exited $st"
	has "$T/err" "--rounds takes a number from 1 to 25"
done
# An option of another command is refused, not ignored, before anything runs.
refused() {	# EXPECTED-MESSAGE ARGS...
	want=$1; shift
	st=0; "$MIPC" "$@" >"$T/out" 2>"$T/err" || st=$?
	[ $st -eq 2 ] || fail "mipc $* exited $st"
	has "$T/err" "$want"
	[ ! -s "$T/out" ] || fail "mipc $* printed something"
}
# A usage error is two lines: "mipc: MESSAGE", and where the usage is.
usage_error() {	# EXPECTED-MESSAGE TRY-COMMAND ARGS...
	want=$1 try=$2; shift 2
	refused "$want" "$@"
	[ "$(head -n 1 "$T/err")" = "mipc: $want" ] && [ "$(wc -l <"$T/err")" -eq 2 ] &&
	    [ "$(tail -n 1 "$T/err")" = "Try 'mipc $try--help'." ] ||
	    { cat "$T/err"; fail "mipc $*: not the shape of a usage error"; }
}
usage_error "run needs a scenario FILE" "run " run
usage_error "--slots takes a number from 1 to 1024, not '0'" "run " run --slots 0 x
usage_error "unknown option '--no-such-option'" "run " run --no-such-option=3 x
usage_error "--slots does not apply to mipc logs (only to run and kernel)" "logs " \
    logs --slots 4
usage_error "--json applies to mipc bench only" "logs " logs --json
usage_error "logs takes one NAME at most ('b' is one too many)" "logs " logs a b
usage_error "-f follows one log: mipc logs NAME -f" "logs " logs -f
usage_error "'Server' is not a process name (1 to 16 of a-z 0-9 _ -, starting with a letter)" \
    "logs " logs Server
usage_error "attach takes no argument ('x')" "attach " attach x
usage_error "bench takes no argument ('x')" "bench " bench x
usage_error "kernel takes no argument ('x')" "kernel " kernel x
usage_error "--version goes alone: mipc --version" "run " run --version x
usage_error "--slots goes with a command (run and kernel): mipc COMMAND --slots" "" --slots 3
usage_error "unknown command 'frob'" "" frob
usage_error "--timeout needs a value: --timeout MS" "kernel " kernel --timeout
usage_error "--no-time takes no value" "run " run --no-time=yes x
# One error for a socket path too long, not one from here and one from there.
long=$T/$(printf '%0150d' 0)
max=$("$MIPC" attach --socket "$long" 2>&1 | sed -n 's/.*at most \([0-9]*\)).*/\1/p')
[ "${max:-0}" -ge 90 ] || fail "no length limit said for a long --socket"
usage_error "--socket $long is too long for a Unix socket ($(printf %s "$long" |
    wc -c | tr -d ' ') bytes, at most $max): choose a shorter one" "attach " \
    attach --socket "$long"

# Each command's --help is its own: it lists the options the command takes,
# and no other; every one it lists is taken, and every other refused.
commands="run kernel attach logs bench help"
for c in $commands; do
	"$MIPC" $c --help | sed -n 's/^  \(-[a-z], \)\{0,1\}\(--[a-z-]*\)\( [A-Z][A-Z]*\)\{0,1\} .*/\2\3/p'
done >"$T/options"
# and those the README names, should a usage lose one
printf '%s\n' "--socket PATH" "--log-dir DIR" "--slots N" "--queue N" "--timeout MS" \
    "--backend NAME" "--no-time" "--scenario FILE" "--follow" "--count N" \
    "--rounds N" "--pin" "--json" "--help" >>"$T/options"
sort -u -o "$T/options" "$T/options"
[ "$(wc -l <"$T/options")" -ge 10 ] || { cat "$T/options"; fail "too few options in the usages"; }
for c in $commands; do
	"$MIPC" $c --help >"$T/usage" || fail "mipc $c --help exited $?"
	head -n 1 "$T/usage" | grep -q "^usage: mipc $c" ||
	    { cat "$T/usage"; fail "mipc $c --help is not its own usage"; }
	while read -r o value; do
		case $value in N|MS) v=1 ;; MODE) v=report ;; "") v= ;; *) v=x ;; esac
		listed=0
		grep -q -- "^  \(-[a-z], \)\{0,1\}$o\( \|$\)" "$T/usage" && listed=1
		st=0; "$MIPC" $c $o $v --help >/dev/null 2>"$T/err" || st=$?
		if [ $listed = 1 ] && [ $st -ne 0 ]; then
			cat "$T/err"; fail "mipc $c lists $o but refuses it"
		elif [ $listed = 0 ] && [ $st -ne 2 ]; then
			fail "mipc $c takes $o, which its usage does not list"
		fi
	done <"$T/options"
done
"$MIPC" help >"$T/out" || fail "mipc help exited $?"
has "$T/out" "usage: mipc COMMAND"
has "$T/out" "mipc COMMAND --help"

refused "--count applies to mipc bench only" run --count 5 --log-dir "$T/l6" \
    scenarios/walkthrough.mipc
[ ! -e "$T/l6" ] || fail "a run with a bench option touched the log directory"
refused "--json applies to mipc bench only" kernel --json --socket "$T/s.sock"
[ ! -e "$T/s.sock" ] || fail "a kernel with a bench option listened"
refused "--scenario applies to mipc kernel only" run --scenario x.mipc x.mipc
refused "-f applies to mipc logs only" attach -f
refused "--slots does not apply to mipc bench" bench --slots 10 --count 10
refused "--socket needs a value, not an empty one" kernel --socket ''
printf 'spawn q reply="unterminated\n' >"$T/unterminated.mipc"
refused "unterminated.mipc:1: expected reply=\"TEXT\": the closing '\"' is missing" \
    run --log-dir "$T/lun" "$T/unterminated.mipc"
refused "--log-dir needs a value, not an empty one" run --log-dir= scenarios/walkthrough.mipc
refused "unknown command 'frob'" frob --count 3

# The bench's logs: gone at the end from a directory of its own, kept where
# --log-dir says.
mkdir "$T/bt"
TMPDIR=$T/bt "$MIPC" bench --backend "$BACKEND" --count 50 --rounds 1 >/dev/null ||
    fail "bench exited $?"
[ -z "$(ls "$T/bt")" ] || { ls "$T/bt"; fail "bench left its log directory"; }
"$MIPC" bench --backend "$BACKEND" --count 50 --rounds 1 --log-dir "$T/bl" >/dev/null ||
    fail "bench --log-dir exited $?"
has "$T/bl/kernel.log" "kernel stopped"
# A --log-dir the cases could not write to is said at once, before any
# measuring, as mipc run says it.
: >"$T/afile"
st=0; "$MIPC" bench --backend "$BACKEND" --count 50 --rounds 1 --log-dir "$T/afile/logs" \
    >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "bench with an unusable --log-dir exited $st"
has "$T/err" "cannot make log directory $T/afile/logs: Not a directory (choose another --log-dir)"
[ ! -s "$T/out" ] || { cat "$T/out"; fail "bench measured with an unusable --log-dir"; }
mkdir -p "$T/ld/kernel.log"	# a directory where the kernel's log would go
st=0; "$MIPC" bench --backend "$BACKEND" --count 50 --rounds 1 --log-dir "$T/ld" \
    >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "bench with kernel.log a directory exited $st"
has "$T/err" "$T/ld/kernel.log is a directory, not a regular file: remove it, or choose another --log-dir"
[ ! -s "$T/out" ] || { cat "$T/out"; fail "bench measured with kernel.log a directory"; }

# A bench stopped by a kill takes the case it was running with it, a floor's
# processes or a kernel and its children, and its logs: nothing is left.
stopped_bench() {	# stopped_bench WHEN COUNT: kill it once WHEN holds
	mkdir "$T/bs"
	TMPDIR=$T/bs "$MIPC" bench --backend "$BACKEND" --count "$2" --rounds 1 \
	    >/dev/null 2>"$T/err" &
	bpid=$!
	wait_until "$1" "case running" 30
	procs=$(descendants $bpid)
	# Twice, as timeout(1) does (the bench, then its group): the second
	# comes while the first is being handled, and must not cut it short.
	kill $bpid
	kill $bpid 2>/dev/null || :
	st=0; wait $bpid || st=$?
	[ $st -eq 143 ] || fail "a bench killed exited $st"
	for pid in $procs; do
		alive "$pid" && fail "process $pid of the case outlived the bench"
	done
	[ -z "$(ls "$T/bs")" ] || { ls -R "$T/bs"; fail "bench left its log directory"; }
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "a bench killed complained"; }
	rm -rf "$T/bs"
}
# The first floor, with more round trips than it would finish in an hour.
stopped_bench '[ -n "$(descendants $bpid)" ]' 100000000
# A kernel case: its kernel.log is there (after two floors of 2,200 round
# trips each, which a slow machine may take seconds over).
stopped_bench 'ls "$T"/bs/*/kernel.log >/dev/null 2>&1' 2000

# Two files run one after the other, each in a fresh kernel.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/l5" scenarios/walkthrough.mipc scenarios/defrag-table.mipc >"$T/out" || fail "two files exited $?"
has "$T/out" "== scenarios/walkthrough.mipc:"
has "$T/out" "== scenarios/defrag-table.mipc:"

# run --chart FILE: after the last file, the run's record drawn into FILE in
# the format its name says, as mipc chart -o FILE draws it; the trace as
# ever.  Both files of the run are in it.
for ext in md mmd svg json; do
	st=0
	"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lch" --chart "$T/run.$ext" \
	    scenarios/walkthrough.mipc scenarios/defrag-table.mipc >"$T/out" 2>"$T/err" || st=$?
	[ $st -eq 0 ] || { cat "$T/err"; fail "run --chart run.$ext exited $st"; }
	has "$T/out" "== scenarios/defrag-table.mipc: "
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "run --chart run.$ext said something"; }
	"$MIPC" chart --no-time --log-dir "$T/lch" -o "$T/chart.$ext" || fail "chart exited $?"
	cmp -s "$T/run.$ext" "$T/chart.$ext" ||
	    { diff "$T/run.$ext" "$T/chart.$ext"; fail "run --chart run.$ext is not mipc chart's"; }
done
head -n 1 "$T/run.md" | grep -q '^```mermaid$' || fail "--chart x.md is not fenced"
head -c 5 "$T/run.svg" | grep -q '<?xml' || fail "--chart x.svg is not SVG"
has "$T/run.json" '"ph":"M"'
has "$T/run.mmd" "events 1 to $(wc -l <"$T/lch/events.jsonl" | tr -d ' ')"
has "$T/run.mmd" "register 2007"	# of the second file
# With --events, the record drawn is that one; a run whose expect failed is
# drawn too, and exits 1 as ever.
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lch2" --events "$T/ev.jsonl" \
    --chart "$T/fail.mmd" tests/scenarios/fail-expect-ok.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 1 ] || fail "run --chart of a failed expect exited $st"
"$MIPC" chart --no-time -o "$T/fail2.mmd" "$T/ev.jsonl" || fail "chart exited $?"
cmp -s "$T/fail.mmd" "$T/fail2.mmd" || fail "run --chart with --events drew another record"
# The format comes from the name, checked before anything runs.
usage_error "--chart $T/run.txt: the file's name says the format: .svg, .json (Perfetto), .mmd or .md (Mermaid)" \
    "run " run --log-dir "$T/lch3" --chart "$T/run.txt" scenarios/walkthrough.mipc
[ ! -e "$T/lch3" ] || fail "a run with a bad --chart touched the log directory"
refused "--chart applies to mipc run only" kernel --chart "$T/k.md" --socket "$T/s.sock"
# A chart that cannot be drawn: the run exits 2 with the chart's message,
# after its whole trace, and leaves no file.  Mermaid draws at most 50000
# characters: 1000 messages are more.
{
	printf 'spawn s pid=1\nspawn c pid=2\ns: c {.message=x,.pid=1,.port=1}\n'
	printf 'c: {.message=x,.pid=2,.port=1}\n'
	i=0
	while [ $i -lt 1000 ]; do
		printf 'c: {.message=m%d,.pid=2,.port=1}\n' $i
		i=$((i + 1))
	done
} >"$T/long.mipc"
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lch4" --chart "$T/long.md" \
    "$T/long.mipc" >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "a --chart too long for Mermaid exited $st"
has "$T/out" "== $T/long.mipc: 0 expects held, 0 failed"
has "$T/err" "over the 50000 that Mermaid draws"
has "$T/err" "mipc: --chart $T/long.md was not drawn; draw the run's record ($T/lch4/events.jsonl) with mipc chart"
[ ! -e "$T/long.md" ] || fail "a chart too long was written"
# and the same run drawn as SVG, which has no such limit
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lch4" --chart "$T/long.svg" \
    "$T/long.mipc" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "run --chart long.svg exited $?"; }
has "$T/long.svg" "m999"
st=0
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/lch5" --chart "$T/nodir/w.svg" \
    scenarios/walkthrough.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -eq 2 ] || fail "a --chart that cannot be written exited $st"
has "$T/err" "cannot write $T/nodir/w.svg"
has "$T/out" "== scenarios/walkthrough.mipc: 15 expects held, 0 failed"

# A run refused for what it was given (an --events path that is a
# directory) has removed none of the last run's logs.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/keep" scenarios/walkthrough.mipc \
    >/dev/null 2>&1 || fail "walkthrough into keep exited $?"
mkdir -p "$T/notafile"
st=0; "$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/keep" --events "$T/notafile" \
    scenarios/walkthrough.mipc >"$T/out" 2>"$T/err" || st=$?
[ $st -ne 0 ] || fail "a run with --events on a directory exited 0"
has "$T/err" "notafile"
[ -f "$T/keep/server.log" ] || fail "a refused run removed the last run's server.log"
has "$T/keep/kernel.log" "kernel stopped"

# A kernel refused at its start (another kernel lives on its socket)
# touches nothing in its log directory: the last run's record stays whole.
"$MIPC" run --no-time --backend "$BACKEND" --log-dir "$T/kept" scenarios/walkthrough.mipc \
    >/dev/null 2>&1 || fail "walkthrough into kept exited $?"
cksum "$T/kept/events.jsonl" "$T/kept/kernel.log" >"$T/sum.before"
"$MIPC" kernel --backend "$BACKEND" --socket "$T/live.sock" --log-dir "$T/livelogs" \
    >/dev/null 2>&1 &
lpid=$!
stop_l() { kill "$lpid" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks stop_l"
wait_until '[ -S "$T/live.sock" ]' "the first kernel's socket" 10
st=0; "$MIPC" kernel --backend "$BACKEND" --socket "$T/live.sock" --log-dir "$T/kept" \
    >/dev/null 2>"$T/err" || st=$?
[ $st -ne 0 ] || fail "a second kernel on a live socket exited 0"
cksum "$T/kept/events.jsonl" "$T/kept/kernel.log" >"$T/sum.after"
cmp -s "$T/sum.before" "$T/sum.after" || { cat "$T/err"; fail "a refused kernel changed the last run's record or log"; }
"$BUILD/tests/check_events" "$T/kept/events.jsonl" >/dev/null ||
    fail "the last run's record no longer holds its invariants"
kill "$lpid"; wait "$lpid" 2>/dev/null

exit 0
