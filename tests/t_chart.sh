# mipc chart and mipc monitor through the command line: their own options
# reach them past main's, with the common ones (--log-dir, --no-time).
# (The drawing itself is tests/test_chart.c's; this is the wiring.)
. tests/lib.sh

# The record of the last run, by default: LOGDIR/events.jsonl.
mkdir "$T/logs"
cp tests/events/walkthrough.jsonl "$T/logs/events.jsonl"
"$MIPC" --log-dir "$T/logs" chart >"$T/a.mmd" || fail "chart exited $?"
cmp -s "$T/a.mmd" - <<EOF || { diff "$T/a.mmd" tests/golden/walkthrough.mmd; fail "not the golden"; }
$(sed "s|tests/events/walkthrough.jsonl|$T/logs/events.jsonl|" tests/golden/walkthrough.mmd)
EOF

# Options before and after the file, = or not; the format from -o's name.
"$MIPC" chart tests/events/six.jsonl --from=34 --to 45 -o "$T/six.svg" --match ev=deliver \
    || fail "chart exited $?"
head -c 5 "$T/six.svg" | grep -q '<?xml' || fail "-o x.svg is not SVG"
has "$T/six.svg" "events 34 to 45, 6 processes, 6 messages"
"$MIPC" chart --no-time --format perfetto tests/events/walkthrough.jsonl >"$T/w.json" ||
    fail "chart exited $?"
cmp -s "$T/w.json" tests/golden/walkthrough-no-time.json ||
    fail "--no-time (main's option) did not reach chart"

# Exit statuses: a usage error 2, nothing picked 1, a record that is not one 2.
"$MIPC" chart --match colour=red tests/events/six.jsonl 2>"$T/err"
[ $? -eq 2 ] || fail "an unknown --match key did not exit 2"
has "$T/err" "unknown key 'colour'"
"$MIPC" chart --match name=nobody tests/events/six.jsonl 2>"$T/err"
[ $? -eq 1 ] || fail "nothing to draw did not exit 1"
printf '{"seq":1,"ev":"spawn","name":"a","pid":1}\n{"seq":2,"ev"' >"$T/cut.jsonl"
"$MIPC" chart "$T/cut.jsonl" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] || fail "a cut record did not exit 2"
has "$T/err" "cut.jsonl:2: the last line is cut short"
[ -s "$T/out" ] && fail "a refused chart printed something"
"$MIPC" chart --help >"$T/help" || fail "chart --help exited $?"
has "$T/help" "usage: mipc chart [--format mermaid|svg|perfetto]"

# The monitor: its options, and no kernel to watch.
"$MIPC" monitor --help >"$T/help" || fail "monitor --help exited $?"
has "$T/help" "usage: mipc monitor [--json] [--match RULE]..."
"$MIPC" monitor --json --match pid=1 --socket "$T/none.sock" 2>"$T/err"
[ $? -eq 1 ] || fail "monitor with no kernel did not exit 1"
has "$T/err" "no kernel is running on $T/none.sock"
"$MIPC" monitor --match pid --socket "$T/none.sock" 2>"$T/err"
[ $? -eq 2 ] || fail "a bad --match did not exit 2"
has "$T/err" "'pid' needs '=' and a value"
exit 0
