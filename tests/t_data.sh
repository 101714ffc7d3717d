# Nothing surprising, from the shell: help without a kernel, a scenario that
# cannot be read whole, a byte order mark, signals by any name, and what the
# trace shows of lines that end in &.  (The live side of the same promises,
# and a read that fails half way, are in tests/test_data.c.)
. tests/lib.sh

# Runs mipc; its status in $st, its output in $T/out and errors in $T/err.
mipc() {
	st=0
	"$MIPC" "$@" >"$T/out" 2>"$T/err" || st=$?
}

# -- mipc help TOPIC needs no kernel, and touches nothing ----------------
# No kernel can be found (the default socket is under an empty directory),
# and help runs where a log directory would be made.
mkdir -m 700 "$T/run" "$T/cwd"
case $MIPC in /*) abs=$MIPC ;; *) abs=$(pwd)/$MIPC ;; esac
help_on() {	# help_on TOPIC: mipc help TOPIC, run in $T/cwd
	st=0
	(cd "$T/cwd" && XDG_RUNTIME_DIR=$T/run "$abs" help "$1") >"$T/out" 2>"$T/err" ||
	    st=$?
}
for verb in spawn kill wait expect ps dump sleep; do
	help_on $verb
	[ $st -eq 0 ] || { cat "$T/err"; fail "mipc help $verb exited $st"; }
	head -n 1 "$T/out" | grep -E -q "^$verb( |\$)" ||
	    { cat "$T/out"; fail "mipc help $verb does not begin with its synopsis"; }
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "mipc help $verb complained"; }
done
help_on kill
has "$T/out" "SIGNAL is a name in any case"
# Verbs that share a synopsis with another, and verbs that are commands too
# (whose help says where the command's is).
for verb in quit shutdown dead monitor help; do
	help_on $verb
	[ $st -eq 0 ] || { cat "$T/err"; fail "mipc help $verb exited $st"; }
	head -n 1 "$T/out" | grep -E -q "(^| )$verb( |\$)" ||
	    { cat "$T/out"; fail "mipc help $verb is not the help of $verb"; }
done
help_on monitor
has "$T/out" "mipc monitor is also a command: mipc monitor --help"
help_on scenario
[ $st -eq 0 ] || { cat "$T/err"; fail "mipc help scenario exited $st"; }
for line in "spawn NAME" "NAME: LINE" "wait NAME" "kill NAME" "expect ok" \
    "expect NAME got" "expect NAME received" "expect alive NAME"; do
	has "$T/out" "$line"
done
help_on nope
[ $st -eq 2 ] || fail "mipc help nope exited $st, not 2"
has "$T/err" "mipc: no help on 'nope'"
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "mipc help nope: not one line"; }
[ ! -s "$T/out" ] || { cat "$T/out"; fail "mipc help nope printed help"; }
[ -z "$(ls -A "$T/cwd")" ] && [ -z "$(ls -A "$T/run")" ] ||
    { ls -AR "$T/cwd" "$T/run"; fail "help left files"; }

# -- A scenario that cannot be read whole is an error -----------------------
mkdir "$T/adir"
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l1" "$T/adir"
[ $st -eq 2 ] || fail "mipc run DIRECTORY exited $st, not 2"
has "$T/err" "$T/adir"
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "mipc run DIRECTORY: not one line"; }
hasnt "$T/out" "> "

# -- A byte order mark at the start of a file is not part of its first line
printf '\357\273\277spawn a\nexpect alive a\n' >"$T/bom.mipc"
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l2" "$T/bom.mipc"
[ $st -eq 0 ] || { cat "$T/out" "$T/err"; fail "a file with a byte order mark exited $st"; }
grep -q '^> spawn a$' "$T/out" || { cat "$T/out"; fail "the mark shows in the trace"; }
# as Windows editors write it, with CR LF
printf '\357\273\277spawn a\r\nexpect alive a\r\n' >"$T/bomcrlf.mipc"
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l2" "$T/bomcrlf.mipc"
[ $st -eq 0 ] || { cat "$T/out" "$T/err"; fail "a CR LF file with a byte order mark exited $st"; }
# Anywhere else it is a byte of the line, which no verb begins with.
printf 'spawn a\n\357\273\277expect alive a\n' >"$T/bom2.mipc"
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l2" "$T/bom2.mipc"
[ $st -eq 2 ] || { cat "$T/out" "$T/err"; fail "a byte order mark on line 2 exited $st, not 2"; }
has "$T/err" "bom2.mipc:2: unknown verb"

# -- kill NAME SIGNAL: a name in any case, or a number ----------------------
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l3" scenarios/signals.mipc
[ $st -eq 0 ] || { cat "$T/out" "$T/err"; fail "scenarios/signals.mipc exited $st"; }
for answer in "OK a was killed by SIGTERM" "OK b was killed by SIGKILL" \
    "OK c was killed by SIGKILL" "OK d stopped by SIGSTOP" "OK SIGCONT sent to d" \
    "OK d was killed by SIGTERM"; do
	grep -q "^$answer\$" "$T/out" || { cat "$T/out"; fail "no answer: $answer"; }
done

# -- The answers to & lines show in the trace, in order, as they come -----
mipc run --no-time --backend "$BACKEND" --log-dir "$T/l4" --queue 2 \
    scenarios/answers-later.mipc
[ $st -eq 0 ] || { cat "$T/out" "$T/err"; fail "scenarios/answers-later.mipc exited $st"; }
sed -n 's/^  client <- //p' "$T/out" | sed -n 1,3p >"$T/later"
printf '%s\n' "OK response written to port: 8080" "OK response written to port: 8080" \
    "ERR EAGAIN queue of link 8080<-1234 is full (2 messages)" | cmp -s - "$T/later" ||
    { cat "$T/out"; fail "the answers to the & lines are not in the trace, in order"; }
# each after its line was sent, and before the wait that they end
awk '/^> client: \{\.message=three/ { sent = NR }
    /^  client <- ERR EAGAIN/ { got = NR }
    /^> expect err EAGAIN/ { after = NR }
    END { exit !(sent && got > sent && after > got) }' "$T/out" ||
    { cat "$T/out"; fail "the EAGAIN shows out of place"; }
exit 0
