# SPDX-License-Identifier: GPL-2.0
#
# Host build of the page-table core and its unit tests.
#
#   host-tests   build every selftests/host/test_*.c into $(BUILD)/host/test_*
#                (and the sanitizer variants into $(BUILD)/host/san/)
#   host-check   build, then run every test (all of them, even after a
#                failure), then the sanitizer variants of HOST_SAN_TESTS;
#                fails if any failed.  TAP lines go to stdout.
#
# Each test links every kmod/pt/*.c (compiled once into $(BUILD)/host/obj/)
# and every selftests/host/lib/*.c.  Usable standalone:
#   make -f mk/host.mk host-check BUILD=build

BUILD ?= build
HOST_CC ?= gcc
HOST_OPT ?= -O2 -g
HOST_CFLAGS ?= $(HOST_OPT) -std=gnu11 -Wall -Wextra -Werror -pthread
HOST_INC := -Ikmod/pt -Iselftests/host/lib
HOST_SANFLAGS ?= -O1 -g -std=gnu11 -Wall -Wextra -Werror -pthread \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# tests also run under ASan+UBSan by host-check (suite name gets "-asan")
HOST_SAN_TESTS ?= test_demote test_diff test_ops test_prune test_race test_record

HOST_DIR := $(BUILD)/host
HOST_OBJ := $(HOST_DIR)/obj
HOST_SOBJ := $(HOST_DIR)/obj-san

HOST_PT_SRCS := $(wildcard kmod/pt/*.c)
HOST_LIB_SRCS := $(wildcard selftests/host/lib/*.c)
HOST_TEST_SRCS := $(wildcard selftests/host/test_*.c)

HOST_CORE_OBJS := $(HOST_PT_SRCS:kmod/pt/%.c=$(HOST_OBJ)/pt/%.o) \
		  $(HOST_LIB_SRCS:selftests/host/lib/%.c=$(HOST_OBJ)/lib/%.o)
HOST_SCORE_OBJS := $(HOST_PT_SRCS:kmod/pt/%.c=$(HOST_SOBJ)/pt/%.o) \
		   $(HOST_LIB_SRCS:selftests/host/lib/%.c=$(HOST_SOBJ)/lib/%.o)
HOST_TESTS := $(HOST_TEST_SRCS:selftests/host/%.c=$(HOST_DIR)/%)
HOST_SAN_BINS := $(addprefix $(HOST_DIR)/san/,\
	$(filter $(HOST_SAN_TESTS),$(notdir $(HOST_TESTS))))

# Tests of user-space libraries link the library source too (any user/*.c
# prerequisite is compiled into the test).
$(HOST_DIR)/test_record $(HOST_DIR)/san/test_record: user/iodirty_record.c
$(HOST_DIR)/test_record $(HOST_DIR)/san/test_record: HOST_INC += -Iuser
# test_dirtyrate: the sampled dirty-rate estimator (hash only: no device)
$(HOST_DIR)/test_dirtyrate: user/iodirty_dirtyrate.c user/libiodirty.c
$(HOST_DIR)/test_dirtyrate: HOST_INC += -Iuser -Iinclude/uapi
$(HOST_DIR)/test_dirtyrate: HOST_LDLIBS += -lm
# test_heatmap writes a recording, runs the heatmap binary (built by
# mk/record.mk, included below) and reads its PNG back with libpng.
$(HOST_DIR)/test_heatmap: user/iodirty_record.c $(BUILD)/tools/iodirty-heatmap
$(HOST_DIR)/test_heatmap: HOST_INC += -Iuser -Itools/iodirty-heatmap \
	-DHEATMAP_BIN='"$(abspath $(BUILD))/tools/iodirty-heatmap"'
$(HOST_DIR)/test_heatmap: HOST_LDLIBS += -lpng16 -lz -lm

.PHONY: host-tests host-check host-clean
.SECONDARY: $(HOST_CORE_OBJS) $(HOST_SCORE_OBJS)

host-tests: $(HOST_TESTS) $(HOST_SAN_BINS)

$(HOST_OBJ)/pt/%.o: kmod/pt/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP -c -o $@ $<

$(HOST_OBJ)/lib/%.o: selftests/host/lib/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP -c -o $@ $<

$(HOST_DIR)/test_%: selftests/host/test_%.c $(HOST_CORE_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP -o $@ $< \
		$(filter user/%.c,$^) $(HOST_CORE_OBJS) $(HOST_LDLIBS)

$(HOST_SOBJ)/pt/%.o: kmod/pt/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_SANFLAGS) $(HOST_INC) -MMD -MP -c -o $@ $<

$(HOST_SOBJ)/lib/%.o: selftests/host/lib/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_SANFLAGS) $(HOST_INC) -MMD -MP -c -o $@ $<

$(HOST_DIR)/san/test_%: selftests/host/test_%.c $(HOST_SCORE_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_SANFLAGS) $(HOST_INC) -MMD -MP -o $@ $< \
		$(filter user/%.c,$^) $(HOST_SCORE_OBJS) $(HOST_LDLIBS)

# "# suites:" declares every suite (test_X prints "# suite: X" and its
# plan), so tools/check-summary.sh notices one that never ran.
host-check: host-tests
	@echo "# suites:" $(patsubst test_%,%,$(notdir $(HOST_TESTS))) \
		$(patsubst test_%,%-asan,$(notdir $(HOST_SAN_BINS))); \
	fail=0; \
	for t in $(HOST_TESTS); do \
		$$t || { echo "# FAILED: $$t"; fail=1; }; \
	done; \
	for t in $(HOST_SAN_BINS); do \
		TH_SUITE_SUFFIX=-asan TH_DIFF_OPS=20000 \
		ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 \
			$$t || { echo "# FAILED: $$t (sanitizers)"; fail=1; }; \
	done; \
	exit $$fail

host-clean:
	rm -rf $(HOST_DIR)

-include $(shell find $(HOST_DIR) -name '*.d' 2>/dev/null)

# the heatmap binary's rule (guarded: the top Makefile includes it too)
include mk/record.mk
