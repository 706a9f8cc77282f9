# SPDX-License-Identifier: GPL-2.0
#
# In-VM policy benchmark (selftests/bench/vm/; the host benches in
# selftests/bench/*.c are mk/bench.mk's).
#
#   bench-vm     boot the VM, run vm_policy_bench: harvest cost with a
#                policy vs none, ring-buffer export rate, sampling vs full
#                scans on a zipf workload, the harvest with iodirty-top
#                attached (and with --record) vs none, side by side in
#                the same run (ratios; TCG caveat printed);
#                writes $(BUILD)/bench-vm.json
#
# The binary is static (libbpf, policy_bench skeleton) and lands in
# /opt/iodirty through VM_EXTRA_BINS.

VMBENCH_BIN := $(BUILD)/vm/vm_policy_bench

.PHONY: bench-vm

ifneq ($(KSRC),)
VM_EXTRA_BINS += $(VMBENCH_BIN)
endif

$(VMBENCH_BIN): selftests/bench/vm/vm_policy_bench.c selftests/vm/progs/policy_test.h \
		$(BUILD)/bpf/policy_bench.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Iselftests/vm/progs $< -o $@ $(USER_LDLIBS)

bench-vm: all vm-image
	$(Q)selftests/bench/vm/run-bench-vm.sh $(BUILD)/bench-vm.json

# make bench = the host page-table benchmark and then this one
bench: bench-vm
