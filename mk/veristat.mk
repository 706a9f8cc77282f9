# SPDX-License-Identifier: GPL-2.0
#
# veristat budgets of every shipped BPF object (included by the top-level
# Makefile after $(DEPS)/stamp, so KSRC, LIBBPF_DIR, CC, Q and msg exist).
#
#   $(BUILD)/vm/veristat        the kernel tree's own veristat
#       ($(KSRC)/tools/testing/selftests/bpf/veristat.c), static, against
#       $(LIBBPF_DIR).  Verification needs the module's BTF, so it runs in
#       the guest (/opt/iodirty/veristat).
#   $(BUILD)/vm/veristat-objs/  every build/bpf/*.bpf.o except *_fail ones
#       (those must NOT load), selftests/vm/veristat/budget.csv and the
#       guest script veristat-run.sh; lands in /opt/iodirty/veristat-objs.
#       test_progs' policy_veristat test compares the figures with the
#       budget (fails above budget * 1.10 + 50 insns, or for a program
#       missing from the budget).
#
#   make veristat-update   boot the VM, run veristat over the objects and
#                          rewrite selftests/vm/veristat/budget.csv
#   make veristat-run      boot the VM and just print the table

VERISTAT_BIN := $(BUILD)/vm/veristat
VERISTAT_DIR := $(BUILD)/vm/veristat-objs
VERISTAT_BUDGET := selftests/vm/veristat/budget.csv
VERISTAT_SCRIPT := selftests/vm/veristat/veristat-run.sh
# Computed here (mk/*.mk is read before the top-level BPF_* variables).
VERISTAT_SRCS := $(filter-out %_fail.bpf.c,$(wildcard bpf/*.bpf.c selftests/vm/progs/*.bpf.c))
VERISTAT_OBJS := $(patsubst %.bpf.c,$(BUILD)/bpf/%.bpf.o,$(notdir $(VERISTAT_SRCS)))

.PHONY: veristat-update veristat-run

ifneq ($(KSRC),)
VM_EXTRA_BINS += $(VERISTAT_BIN) $(VERISTAT_DIR)
endif

# 6.12's veristat.c sets BPF_F_TEST_REG_INVARIANTS (-r), newer than the
# build host's linux/bpf.h; its value is fixed UAPI.
$(VERISTAT_BIN): $(KSRC)/tools/testing/selftests/bpf/veristat.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static -w -I$(LIBBPF_DIR)/include \
		'-DBPF_F_TEST_REG_INVARIANTS=(1U << 7)' $< -o $@ \
		-L$(LIBBPF_DIR)/lib -lbpf -lelf -lz -lzstd -lm

$(VERISTAT_DIR): $(VERISTAT_OBJS) $(VERISTAT_BUDGET) $(VERISTAT_SCRIPT)
	$(call msg,GEN,$@)
	$(Q)rm -rf $@ && mkdir -p $@
	$(Q)cp $(VERISTAT_OBJS) $(VERISTAT_BUDGET) $(VERISTAT_SCRIPT) $@/
	$(Q). $(DEPS)/stamp && echo "$${KVER%.*}" > $@/budget.kernel

veristat-run: all vm-image
	$(Q)tools/vm/run --no-build --mem 2G -- \
		/opt/iodirty/veristat-objs/veristat-run.sh table

veristat-update: all vm-image
	$(Q)tools/vm/run --no-build --mem 2G -- \
		/opt/iodirty/veristat-objs/veristat-run.sh csv > $(BUILD)/veristat.out
	$(Q)selftests/vm/veristat/mkbudget.sh < $(BUILD)/veristat.out > $(VERISTAT_BUDGET).tmp
	$(Q)mv $(VERISTAT_BUDGET).tmp $(VERISTAT_BUDGET)
	$(Q)echo "veristat-update: $$(($$(wc -l < $(VERISTAT_BUDGET)) - 1)) programs -> $(VERISTAT_BUDGET)"
