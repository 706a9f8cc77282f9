# SPDX-License-Identifier: GPL-2.0
#
# The live tracer (issue 11): iodirty-lab (a VMM stand-in to watch) and
# iodirty-top (per-HWPT dirty rates from iodirty's tracepoints), static
# like iodirtyctl; in the guest at /opt/iodirty (VM_EXTRA_BINS), built by
# `make tools`, installed by `make install` (TOOLS_BINS, mk/install.mk).
# The golden NDJSON key list goes to the guest for the tracer_top test.
#
# Included by the top-level Makefile (its `-include mk/*.mk`), after
# tools.mk: it needs USER_CFLAGS, USER_LDLIBS, BPF_CFLAGS, TOOLS_DIR.

TRACER_BUILD := $(BUILD)/tracer
TRACER_BINS := $(TOOLS_DIR)/iodirty-lab $(TOOLS_DIR)/iodirty-top
TRACER_GOLDEN := selftests/vm/tracer_top.keys
TRACER_REC_SRCS := $(wildcard user/iodirty_record.c)

tools: $(TRACER_BINS)

# --dirty-rate's estimator (user/iodirty_dirtyrate.c) is shared with the
# dirtyrate test (VM) and test_dirtyrate (host); it needs libm (sqrt).
DIRTYRATE_SRCS := user/iodirty_dirtyrate.c

LAB_SRCS := tools/iodirty-lab/iodirty-lab.c tools/iodirty-lab/lab_dirtyrate.c

$(TOOLS_DIR)/iodirty-lab: $(LAB_SRCS) tools/iodirty-lab/iodirty-lab.h $(TOOLS_LIB_SRCS) \
		$(DIRTYRATE_SRCS) user/libiodirty.h user/parse_size.h user/iodirty_dirtyrate.h \
		include/uapi/linux/iodirty.h | $(DEPS)/stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Iuser $(LAB_SRCS) $(TOOLS_LIB_SRCS) $(DIRTYRATE_SRCS) -o $@ \
		-static -lm

$(TRACER_BUILD)/iodirty-top.bpf.o: tools/iodirty-top/iodirty-top.bpf.c \
		tools/iodirty-top/iodirty-top.h tools/iodirty-top/top_iommufd.bpf.h $(BUILD)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itools/iodirty-top -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(TRACER_BUILD)/iodirty-top.skel.h: $(TRACER_BUILD)/iodirty-top.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name iodirty_top_bpf > $@

TOP_SRCS := tools/iodirty-top/iodirty-top.c tools/iodirty-top/top_source.c \
	    tools/iodirty-top/top_print.c
TOP_HDRS := tools/iodirty-top/iodirty-top.h tools/iodirty-top/top_source.h \
	    tools/iodirty-top/top_print.h

$(TOOLS_DIR)/iodirty-top: $(TOP_SRCS) $(TOP_HDRS) \
		$(TRACER_BUILD)/iodirty-top.skel.h user/bpf_print.h user/iodirty_record.h user/parse_size.h \
		$(TRACER_REC_SRCS) | $(DEPS)/stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Iuser -Itools/iodirty-top -I$(TRACER_BUILD) $(TOP_SRCS) \
		$(TRACER_REC_SRCS) -o $@ $(USER_LDLIBS)

TOOLS_BINS += $(TRACER_BINS)
VM_EXTRA_BINS += $(TRACER_BINS) $(TRACER_GOLDEN)

# tracer_top.c spawns the tools with tracer_util.h (the recording reader
# it reads --record files with is in VM_TEST_SRCS already)
$(BUILD)/vm/test_progs: selftests/vm/tracer_util.h

# prog_tests/dirtyrate.c drives the estimator directly too
# (target-specific: the top Makefile sets VM_TEST_SRCS after including us)
$(BUILD)/vm/test_progs: $(DIRTYRATE_SRCS)
$(BUILD)/vm/test_progs: VM_TEST_SRCS += $(DIRTYRATE_SRCS)
$(BUILD)/vm/test_progs: USER_LDLIBS += -lm

# iommufd-mockdirty (selftests/vm/iommufd_mockdirty.c): drives the debug
# kernel's own /dev/iommu (IOMMUFD_TEST mock domains) for tracer_stock.c.
# Built against the 6.12 tree's iommufd_test.h and sanitised UAPI
# iommufd.h (mk/kselftest.mk's KSFT_HDRS); the ops it uses kept their
# numbers in 7.x (see the source).
MOCKDIRTY_BIN := $(BUILD)/vm/iommufd-mockdirty
ifneq ($(KSRC),)
VM_EXTRA_BINS += $(MOCKDIRTY_BIN)
endif

$(MOCKDIRTY_BIN): selftests/vm/iommufd_mockdirty.c selftests/vm/mockdirty.h \
		$(KSRC)/drivers/iommu/iommufd/iommufd_test.h $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -static -isystem $(KSFT_DIR)/usr/include \
		-I$(KSRC)/drivers/iommu/iommufd -Iselftests/vm $< -o $@

$(BUILD)/vm/test_progs: selftests/vm/mockdirty.h
