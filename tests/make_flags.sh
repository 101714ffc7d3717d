# make: a build records its flags in BUILD/flags, and rebuilds what depends
# on them when they change: `make CC=clang` after `make` recompiles, and
# KQUEUE_LIBS given later builds the kqueue backend in.  The same flags
# again rebuild nothing.  A few objects are built, into a directory of the
# test's own: every object depends on the flags file alike.
. tests/lib.sh

# Not the make that runs the suite's flags and jobs: a make of our own,
# from the Makefile's defaults.  `make test CC=clang SANITIZE=1` puts its
# command-line variables in the environment, where they would win over them.
unset MAKEFLAGS MFLAGS MAKELEVEL
unset CC CFLAGS OPT LDFLAGS LDLIBS SANITIZE KQUEUE_CFLAGS KQUEUE_LIBS EDITLINE
B=$T/build
OBJS="$B/common/err.o $B/cli/main.o $B/kernel/ev.o"
mk() {	# mk MAKE-ARGS...: builds, the output in $T/out
	make BUILD="$B" BIN="$B/bin" OPT=-O0 "$@" >"$T/out" 2>&1 ||
	    { cat "$T/out"; fail "make $* failed"; }
}
compiled() { grep -c '^  CC ' "$T/out"; }
nothing_done() {	# WHAT
	! grep -q '^  \(CC\|LD\) ' "$T/out" || { cat "$T/out"; fail "$1 rebuilt something"; }
}

if command -v clang >/dev/null 2>&1; then other=clang; else other=gcc; fi
command -v "$other" >/dev/null 2>&1 || { echo "no second compiler: nothing to check"; exit 0; }

mk $OBJS
[ "$(compiled)" -eq 3 ] || { cat "$T/out"; fail "not the 3 objects built"; }
has "$B/flags" "CC=cc"
has "$B/flags" "CFLAGS=-std=c11"
mk $OBJS
nothing_done "make again"

# Another compiler: every object again.
mk CC="$other" $OBJS
[ "$(compiled)" -eq 3 ] || { cat "$T/out"; fail "CC=$other compiled $(compiled) of 3"; }
has "$B/flags" "CC=$other"

# KQUEUE_LIBS given later: kernel/ev.c is compiled again with the kqueue
# backend in (the object alone: there may be no libkqueue to link with),
# and the link's flags are recorded too.
if ! grep -q -- -DHAVE_KQUEUE "$B/flags"; then
	mk CC="$other" KQUEUE_LIBS=-lkqueue "$B/kernel/ev.o"
	has "$T/out" "  CC      kernel/ev.c"
	has "$B/flags" "-DHAVE_KQUEUE"
	grep -q '^LDLIBS=.*-lkqueue' "$B/flags" || { cat "$B/flags"; fail "LDLIBS not recorded"; }
	if command -v nm >/dev/null 2>&1; then
		nm "$B/kernel/ev.o" | grep -q ev_backend_kqueue ||
		    fail "kernel/ev.o was not rebuilt with the kqueue backend"
	fi
	# and taken away again: everything without it
	mk CC="$other" $OBJS
	[ "$(compiled)" -eq 3 ] || { cat "$T/out"; fail "compiled $(compiled) of 3"; }
	if command -v nm >/dev/null 2>&1; then
		! nm "$B/kernel/ev.o" | grep -q ev_backend_kqueue ||
		    fail "kernel/ev.o kept the kqueue backend"
	fi
fi
mk CC="$other" $OBJS
nothing_done "make CC=$other again"
grep -q '^\$(MIPC):.*\$(BUILD)/flags' Makefile || fail "the link does not depend on the flags"
exit 0
