# The walk-through charted from a real run: its record drawn in the three
# formats is tests/golden/walkthrough-run.{mmd,svg,json}, on every backend;
# the Mermaid chart in scenarios/README.md is the one `mipc run --chart`
# draws now; and the README has a line for every scenario.
#
# After a change meant to change the charts, look at them, then
#     CHART_GOLDEN_UPDATE=1 make test TESTS=t_golden
# writes the new goldens and the README's chart.
. tests/lib.sh

top=$(pwd)
case $MIPC in
/*) mipc=$MIPC ;;
*) mipc=$top/$MIPC ;;
esac
readme=$top/scenarios/README.md

# Same as the file $2, or written there when updating.
same_as() {	# same_as GOT GOLDEN
	[ -z "$CHART_GOLDEN_UPDATE" ] || cp "$1" "$2" || fail "cannot write $2"
	[ -f "$2" ] || fail "no golden $2 (CHART_GOLDEN_UPDATE=1 writes it)"
	cmp -s "$1" "$2" || { diff -u "$2" "$1" | head -n 40; fail "$1 is not $2"; }
}

# The first ```mermaid block of a Markdown file, fences and all.
mermaid_block() {
	awk '/^```mermaid$/ { on = 1 } on { print } on && /^```$/ { exit }' "$1"
}

# Run in $T with --log-dir logs: the charts name their record, and
# logs/events.jsonl is what a run at the top of the tree names.
cd "$T" || fail "cannot enter $T"
"$mipc" run --no-time --backend "$BACKEND" --log-dir logs \
    "$top/scenarios/walkthrough.mipc" >trace 2>err || { cat err; fail "walkthrough exited $?"; }
for ext in mmd svg json; do
	"$mipc" chart --no-time -o "walkthrough-run.$ext" logs/events.jsonl ||
	    fail "chart -o walkthrough-run.$ext exited $?"
	same_as "walkthrough-run.$ext" "$top/tests/golden/walkthrough-run.$ext"
done

# The README's chart: the fenced block run --chart FILE.md writes.
rm -rf logs
"$mipc" run --no-time --backend "$BACKEND" --log-dir logs --chart walkthrough.md \
    "$top/scenarios/walkthrough.mipc" >trace 2>err || { cat err; fail "run --chart exited $?"; }
head -n 1 walkthrough.md | grep -q '^```mermaid$' || fail "walkthrough.md is not fenced"
if [ -n "$CHART_GOLDEN_UPDATE" ]; then
	awk -v new=walkthrough.md '
	    /^```mermaid$/ && !done {
		while ((getline line < new) > 0)
			print line
		skip = 1
		next
	    }
	    skip { if (/^```$/) { skip = 0; done = 1 }; next }
	    { print }' "$readme" >readme.new || fail "cannot rewrite the README's chart"
	cat readme.new >"$readme" || fail "cannot write $readme"
fi
mermaid_block "$readme" >readme-chart
cmp -s readme-chart walkthrough.md || { diff -u readme-chart walkthrough.md | head -n 40
    fail "the chart in scenarios/README.md is not the one a run draws now" \
	"(CHART_GOLDEN_UPDATE=1 make test TESTS=t_golden rewrites it)"; }

# Every scenario has its line in the README's table, and every line there
# a scenario.
for f in "$top"/scenarios/*.mipc; do
	grep -q "^| \`$(basename "$f")\` | " "$readme" ||
	    fail "scenarios/README.md has no line for $(basename "$f")"
done
sed -n 's/^| `\([^`]*\.mipc\)` | .*/\1/p' "$readme" | while read -r f; do
	[ -f "$top/scenarios/$f" ] || fail "scenarios/README.md names $f, which is not there"
done || exit 1
exit 0
