# SPDX-License-Identifier: GPL-2.0
#
# Host benchmark of the page-table core (selftests/bench/).
#
#   bench        full run (~6 min on the 2-core host under load, ~5 GiB peak):
#                every format x table shape (up to 256 Mi 4K leaves) x
#                dirty fraction, the bitmap writer, the targets; prints a
#                table and writes $(BUILD)/bench.json
#   bench-quick  a few small cases (< 10 s); writes $(BUILD)/bench-quick.json
#   bench-build  just build $(BUILD)/bench/pt_bench
#
# Optimised but portable: -O2, no -march=native (CI may be another CPU).
# Extra arguments to the binary: make bench BENCH_ARGS="--reps 5"
# Usable standalone: make -f mk/bench.mk bench BUILD=build

BUILD ?= build
BENCH_CC ?= gcc
BENCH_CFLAGS ?= -O2 -g -std=gnu11 -Wall -Wextra -Werror -pthread
BENCH_INC := -Ikmod/pt -Iselftests/host/lib -Iselftests/bench
BENCH_ARGS ?=

BENCH_DIR := $(BUILD)/bench
BENCH_PT_SRCS := $(wildcard kmod/pt/*.c)
BENCH_LIB_SRCS := $(wildcard selftests/host/lib/*.c)
BENCH_SRCS := $(wildcard selftests/bench/*.c)
BENCH_OBJS := $(BENCH_PT_SRCS:kmod/pt/%.c=$(BENCH_DIR)/obj/pt/%.o) \
	      $(BENCH_LIB_SRCS:selftests/host/lib/%.c=$(BENCH_DIR)/obj/lib/%.o) \
	      $(BENCH_SRCS:selftests/bench/%.c=$(BENCH_DIR)/obj/bench/%.o)
BENCH_BIN := $(BENCH_DIR)/pt_bench

.PHONY: bench bench-quick bench-build bench-clean

bench-build: $(BENCH_BIN)

$(BENCH_DIR)/obj/pt/%.o: kmod/pt/%.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_INC) -MMD -MP -c -o $@ $<

$(BENCH_DIR)/obj/lib/%.o: selftests/host/lib/%.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_INC) -MMD -MP -c -o $@ $<

$(BENCH_DIR)/obj/bench/%.o: selftests/bench/%.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_INC) -MMD -MP -c -o $@ $<

$(BENCH_BIN): $(BENCH_OBJS)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $^

bench: $(BENCH_BIN)
	$(BENCH_BIN) --json $(BUILD)/bench.json $(BENCH_ARGS)

bench-quick: $(BENCH_BIN)
	$(BENCH_BIN) --quick --json $(BUILD)/bench-quick.json $(BENCH_ARGS)

bench-clean:
	rm -rf $(BENCH_DIR) $(BUILD)/bench.json $(BUILD)/bench-quick.json

-include $(shell find $(BENCH_DIR) -name '*.d' 2>/dev/null)
