# microipc: build, test and clean.  `make`, `make test`, `make run`, `make clean`.
#
#   make CC=clang                 build with clang
#   make test SANITIZE=1          the whole suite under AddressSanitizer + UBSan
#   make KQUEUE_CFLAGS=-I/usr/include/kqueue KQUEUE_LIBS=-lkqueue
#                                 build the kqueue backend against libkqueue (Linux)
#   make test TESTS=request       run only the tests whose name contains "request"
#   make EDITLINE=no              build mipc attach without line editing

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?=
CFLAGS  += -std=c11 -Wall -Wextra -Werror -g $(OPT) -D_POSIX_C_SOURCE=200809L \
           -Icommon -Ikernel -Iproc -Icli
LDFLAGS ?=
LDLIBS  ?=

UNAME := $(shell uname -s)

# Event backends: poll everywhere; epoll on Linux; kqueue on macOS and the BSDs,
# or on Linux when KQUEUE_LIBS points at libkqueue.
BACKEND_DEFS := -DHAVE_POLL
BACKEND_SRCS := kernel/ev_poll.c
ifeq ($(UNAME),Linux)
BACKEND_DEFS += -DHAVE_EPOLL
BACKEND_SRCS += kernel/ev_epoll.c
endif
ifneq ($(filter Darwin FreeBSD OpenBSD NetBSD DragonFly,$(UNAME)),)
BACKEND_DEFS += -DHAVE_KQUEUE
BACKEND_SRCS += kernel/ev_kqueue.c
endif
ifneq ($(KQUEUE_LIBS),)
BACKEND_DEFS += -DHAVE_KQUEUE
BACKEND_SRCS += kernel/ev_kqueue.c
LDLIBS  += $(KQUEUE_LIBS)
endif

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
BIN     ?= build/san/bin
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build/default
BIN     ?= bin
endif

# Line editing and history for `mipc attach` on a terminal.  The first of
# these that a small program (the calls attach.c makes) compiles and links
# with is used: libedit's own header, the readline header that libedit has
# on macOS and the BSDs, GNU readline.  With none, attach reads a terminal
# as it reads a pipe.  `make EDITLINE=no` builds without.
EDITLINE ?= yes
hash := \#
edit_probe = printf '%s\n' '$(hash)include <stdio.h>' $(foreach h,$(1),'$(hash)include <$(h)>') \
	'int main(void) { rl_callback_handler_install("", 0); rl_callback_read_char();' \
	'rl_set_prompt(""); rl_forced_update_display(); rl_resize_terminal();' \
	'add_history(""); rl_callback_handler_remove(); return rl_end; }' | \
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -x c -o /dev/null - $(2) >/dev/null 2>&1
ifeq ($(EDITLINE),yes)
EDIT_FOUND := $(shell \
	if $(call edit_probe,editline/readline.h,-ledit); then echo '1 -ledit'; \
	elif $(call edit_probe,readline/readline.h readline/history.h,-ledit); then echo '2 -ledit'; \
	elif $(call edit_probe,readline/readline.h readline/history.h,-lreadline); then echo '2 -lreadline'; \
	fi)
endif
ifneq ($(EDIT_FOUND),)
EDIT_DEFS := -DMIPC_EDITLINE=$(firstword $(EDIT_FOUND))
EDIT_LIBS := $(wordlist 2,$(words $(EDIT_FOUND)),$(EDIT_FOUND))
LDLIBS  += $(EDIT_LIBS)
endif

# Everything but the backends and main() goes in a library the tests link with.
LIB_SRCS := $(wildcard common/*.c) $(filter-out kernel/ev_%.c,$(wildcard kernel/*.c)) \
            $(wildcard proc/*.c) $(filter-out cli/main.c,$(wildcard cli/*.c)) $(BACKEND_SRCS)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
MIPC    := $(BIN)/mipc

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all test run bench fuzz clean
all: $(MIPC)

$(MIPC): $(BUILD)/cli/main.o $(BUILD)/libcore.a $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

$(BUILD)/libcore.a: $(LIB_OBJS) $(BUILD)/flags
	$(Q)rm -f $@
	$(Q)ar rcs $@ $(filter %.o,$^)

# Flags for one file only, named by its path: not target-specific
# variables, which the target's prerequisites (the flags file) would see.
CFLAGS_kernel/ev = $(BACKEND_DEFS)
CFLAGS_kernel/ev_kqueue = $(KQUEUE_CFLAGS)
CFLAGS_cli/attach = $(EDIT_DEFS)
CFLAGS_tests/test_live = $(EDIT_DEFS)

$(BUILD)/%.o: %.c $(wildcard */*.h) Makefile $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_$*) -c -o $@ $<

# The flags a build is made with, one a line.  Every object, the archive
# and every link depend on this file, and it is rewritten only when its
# text changes: `make CC=clang` after `make`, or KQUEUE_LIBS given later,
# rebuilds everything, and `make` again does nothing.
BUILD_FLAGS := CC CFLAGS BACKEND_DEFS KQUEUE_CFLAGS KQUEUE_LIBS EDIT_DEFS LDFLAGS LDLIBS
$(BUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach v,$(BUILD_FLAGS),'$(v)=$(subst ','\'',$(strip $($(v))))') >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else \
		echo "  FLAGS   $@$$(test -f $@ && echo ' changed: everything is rebuilt')"; \
		mv -f $@.new $@; fi
.PHONY: FORCE
FORCE:

$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(BUILD)/libcore.a $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_tests/$*) -Itests $(LDFLAGS) -o $@ $< \
	    $(LDLIBS_tests/$*) $(BUILD)/libcore.a $(LDLIBS)

# tests/check_events.c: the event record's invariants, for tests to run
test: $(MIPC) $(TEST_BINS) $(BUILD)/tests/check_events
	@MIPC=$(MIPC) BUILD=$(BUILD) sh tests/run.sh $(TESTS)

run: $(MIPC)
	$(MIPC) run scenarios/walkthrough.mipc

bench: $(MIPC)
	$(MIPC) bench

# libFuzzer harnesses (clang only): make fuzz FUZZ_TIME=600
#
# Each tests/fuzz_NAME.c is built with the sources it needs, FUZZ_SRCS_NAME,
# into build/fuzz/fuzz_NAME, and run for FUZZ_TIME seconds on its own corpus
# (build/fuzz/corpus-NAME, grown by the runs, seeded from tests/corpus/NAME).
# A crash, leak or timeout stops the target and leaves its input in
# build/fuzz/.  `make fuzz FUZZERS=route` runs one.
FUZZ_TIME ?= 60
FUZZ_CC   ?= clang
FUZZERS   ?= request route grammar event
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -D_POSIX_C_SOURCE=200809L \
               -Icommon -Ikernel -Iproc \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS_request := common/err.c kernel/request.c
FUZZ_SRCS_route   := common/err.c common/proto.c kernel/request.c kernel/ptable.c \
                     kernel/mbox.c kernel/route.c kernel/flight.c
FUZZ_SRCS_grammar := common/err.c common/log.c common/signame.c kernel/request.c \
                     kernel/grammar.c
FUZZ_SRCS_event   := common/json.c common/event.c common/log.c
fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
		mkdir -p build/fuzz/corpus-$$f || exit 1; \
		echo "  FUZZ    $$f for $(FUZZ_TIME) s"; \
		build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		    -artifact_prefix=build/fuzz/$$f- build/fuzz/corpus-$$f \
		    tests/corpus/$$f || exit 1; \
	done
define fuzz_rule
build/fuzz/fuzz_$(1): tests/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) $$(wildcard */*.h)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $$(FUZZ_SRCS_$(1))
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

# logs/ is left: what a run writes there is the user's to keep (and new runs
# replace it), and other files there are the user's own.
clean:
	rm -rf build bin

# ----- Programs of one's own: the user library and its examples -----------
#
# $(BUILD)/lib/libmipc.a and lib/mipc.h are all a user's program needs
# (cc -Ilib prog.c build/default/lib/libmipc.a): lib/*.c and the two files
# of the protocol it shares with the kernel, nothing of the kernel itself.
# The examples are built the way a user builds a program, seeing lib/ only,
# into $(BIN)/examples/.
USERLIB      := $(BUILD)/lib/libmipc.a
USERLIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c) common/proto.c \
                kernel/request.c)
EXAMPLES     := $(patsubst examples/%.c,$(BIN)/examples/%,$(wildcard examples/*.c))
EXAMPLE_CFLAGS := $(filter-out -I%,$(CFLAGS)) -Ilib

all: $(USERLIB) $(EXAMPLES)

$(USERLIB): $(USERLIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BIN)/examples/%: examples/%.c lib/mipc.h $(USERLIB) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(EXAMPLE_CFLAGS) $(LDFLAGS) -o $@ $< $(USERLIB)

# test_lib links the library; test_examples runs the examples.
CFLAGS_tests/test_lib = -Ilib
LDLIBS_tests/test_lib = $(USERLIB)
$(BUILD)/tests/test_lib: $(USERLIB)
CFLAGS_tests/test_examples = -DEXAMPLES='"$(BIN)/examples"'
$(BUILD)/tests/test_examples: $(EXAMPLES)

.PHONY: examples
examples: $(EXAMPLES)

# Scenarios name the examples by their path in the plain build
# (program="bin/examples/echo 7"): a sanitized run builds those too.
ifeq ($(SANITIZE),1)
test: plain-examples
.PHONY: plain-examples
plain-examples:
	@$(MAKE) -s --no-print-directory SANITIZE= BUILD=build/default BIN=bin examples
endif
