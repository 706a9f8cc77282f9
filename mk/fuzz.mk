# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer differential fuzzer of the page-table core against the
# reference model (selftests/fuzz/fuzz_pt.c).
#
#   fuzz        build, then fuzz for FUZZ_SECONDS (default 120) with the
#               corpus in $(BUILD)/fuzz/corpus (kept between runs);
#               crashes are written to $(BUILD)/fuzz/crash-*
#   fuzz-check  short run (FUZZ_CHECK_SECONDS, default 15) from the seeds
#               and the saved corpus; prints the plan "1..1" and one
#               TAP line, "ok 1 fuzz.pt_ops" or "not ok 1 fuzz.pt_ops"; exits
#               non-zero on failure.  Log: $(BUILD)/fuzz/check.log
#   fuzz-build  just the binary
#   Reproduce a crash: $(BUILD)/fuzz/fuzz_pt $(BUILD)/fuzz/crash-...
#
# Usable standalone: make -f mk/fuzz.mk fuzz-check BUILD=build

BUILD ?= build
FUZZ_CC ?= clang-19
FUZZ_SECONDS ?= 120
FUZZ_CHECK_SECONDS ?= 15
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS ?= -g -O1 -std=gnu11 -Wall -Wextra -pthread \
	-fno-omit-frame-pointer
FUZZ_INC := -Ikmod/pt -Iselftests/host/lib
FUZZ_ARGS ?= -rss_limit_mb=2048 -timeout=30 -max_len=4096

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_pt
FUZZ_SEEDGEN := $(FUZZ_DIR)/gen_seeds
FUZZ_SEEDS := $(FUZZ_DIR)/seeds
FUZZ_CORPUS := $(FUZZ_DIR)/corpus
FUZZ_PT_SRCS := $(wildcard kmod/pt/*.c)
FUZZ_LIB_SRCS := $(wildcard selftests/host/lib/*.c)
FUZZ_OBJS := $(FUZZ_PT_SRCS:kmod/pt/%.c=$(FUZZ_DIR)/obj/pt/%.o) \
	     $(FUZZ_LIB_SRCS:selftests/host/lib/%.c=$(FUZZ_DIR)/obj/lib/%.o) \
	     $(FUZZ_DIR)/obj/fuzz_pt.o

.PHONY: fuzz fuzz-check fuzz-build fuzz-seeds fuzz-clean

fuzz-build: $(FUZZ_BIN) $(FUZZ_SEEDS)/.stamp

$(FUZZ_DIR)/obj/pt/%.o: kmod/pt/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(FUZZ_INC) -MMD -MP -c -o $@ $<

# The reference model and test helpers get the sanitizers but no coverage
# instrumentation: they are not what is being explored, and per-page
# comparison tracing in the model would cost most of the time.
$(FUZZ_DIR)/obj/lib/%.o: selftests/host/lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $(FUZZ_INC) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_pt.o: selftests/fuzz/fuzz_pt.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(FUZZ_INC) -MMD -MP -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

$(FUZZ_SEEDGEN): selftests/fuzz/gen_seeds.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -O1 -g -Wall -Wextra -o $@ $<

$(FUZZ_SEEDS)/.stamp: $(FUZZ_SEEDGEN)
	@rm -rf $(FUZZ_SEEDS)
	@mkdir -p $(FUZZ_SEEDS)
	$(FUZZ_SEEDGEN) $(FUZZ_SEEDS)
	@touch $@

fuzz-seeds: $(FUZZ_SEEDS)/.stamp

fuzz: fuzz-build
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS) \
		-artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 \
		$(FUZZ_CORPUS) $(FUZZ_SEEDS)

# Builds quietly (a build failure is a "not ok"), then fuzzes into a
# scratch corpus, reading the seeds and the saved corpus.  The TAP plan
# ("1..1") comes first, as tools/check-summary.sh requires.
fuzz-check:
	@echo "1..1"; \
	mkdir -p $(FUZZ_DIR); \
	log=$(FUZZ_DIR)/check.log; \
	if ! $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
		fuzz-build BUILD=$(BUILD) >$$log 2>&1; then \
		echo "not ok 1 fuzz.pt_ops"; \
		echo "# fuzz: build failed, see $$log"; \
		tail -n 20 $$log | sed 's/^/# /'; \
		exit 1; \
	fi; \
	rm -rf $(FUZZ_DIR)/check-corpus; \
	mkdir -p $(FUZZ_DIR)/check-corpus $(FUZZ_CORPUS); \
	if $(FUZZ_BIN) -max_total_time=$(FUZZ_CHECK_SECONDS) $(FUZZ_ARGS) \
		-seed=1 -artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 \
		$(FUZZ_DIR)/check-corpus $(FUZZ_SEEDS) $(FUZZ_CORPUS) \
		>>$$log 2>&1; then \
		echo "ok 1 fuzz.pt_ops"; \
		grep -E '^stat::number_of_executed_units' $$log | \
			sed 's/^/# fuzz: /'; \
	else \
		echo "not ok 1 fuzz.pt_ops"; \
		echo "# fuzz: failed, see $$log"; \
		grep -E 'FUZZ MISMATCH|ERROR:|SUMMARY:|Test unit written' \
			$$log | head -n 10 | sed 's/^/# /'; \
		exit 1; \
	fi

fuzz-clean:
	rm -rf $(FUZZ_DIR)

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
