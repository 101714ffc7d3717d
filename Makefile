# microipc: build, test and clean.  `make`, `make test`, `make run`, `make clean`.
#
#   make CC=clang                 build with clang
#   make test SANITIZE=1          the whole suite under AddressSanitizer + UBSan
#   make KQUEUE_CFLAGS=-I/usr/include/kqueue KQUEUE_LIBS=-lkqueue
#                                 build the kqueue backend against libkqueue (Linux)
#   make test TESTS=request       run only the tests whose name contains "request"

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

$(MIPC): $(BUILD)/cli/main.o $(BUILD)/libmipc.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libmipc.a: $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/kernel/ev.o: CFLAGS += $(BACKEND_DEFS)
$(BUILD)/kernel/ev_kqueue.o: CFLAGS += $(KQUEUE_CFLAGS)

$(BUILD)/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c tests/test.h $(BUILD)/libmipc.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(BUILD)/libmipc.a $(LDLIBS)

# tests/check_events.c: the event record's invariants, for tests to run
test: $(MIPC) $(TEST_BINS) $(BUILD)/tests/check_events
	@MIPC=$(MIPC) BUILD=$(BUILD) sh tests/run.sh $(TESTS)

run: $(MIPC)
	$(MIPC) run scenarios/walkthrough.mipc

bench: $(MIPC)
	$(MIPC) bench

# libFuzzer harnesses (clang only): make fuzz FUZZ_TIME=600
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -Icommon -Ikernel \
               -fsanitize=fuzzer,address,undefined
FUZZ_SRCS := common/err.c kernel/request.c kernel/ptable.c kernel/mbox.c kernel/route.c
fuzz: build/fuzz/fuzz_request build/fuzz/fuzz_route
	@mkdir -p build/fuzz/corpus-request build/fuzz/corpus-route
	build/fuzz/fuzz_request -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		build/fuzz/corpus-request tests/corpus/request
	build/fuzz/fuzz_route -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		build/fuzz/corpus-route tests/corpus/route
build/fuzz/%: tests/%.c $(FUZZ_SRCS) $(wildcard */*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS)

clean:
	rm -rf build bin logs
