# SPDX-License-Identifier: GPL-2.0
#
# check-debug: the whole VM suite on the 7.x debug kernel (KASAN, lockdep,
# PROVE_RCU, kmemleak, UBSAN, fault injection; tools/kernel/), built and
# cached by `make debug-kernel`.  The module is built against that kernel
# in $(BUILD)/debug; the guest has 2 vCPUs; any
# KASAN/lockdep/RCU/UBSAN/WARN report or kmemleak leak (scanned after the
# suites) fails the run.  Under KASAN each call is ~30x slower, so the
# ioctl fuzzer makes 200k calls and the torture test runs 30 s.  On top
# of make check's suites the guest runs the upstream 7.x dirty kselftest
# built from the debug kernel's own source (suite iommufd7; mk/kselftest.mk;
# its cases are checked against tools/vm/guest/iommufd-7.plan).
#
#   make check-debug              last line: "N passed, M failed"
.PHONY: check-debug debug-build

DEBUG_BUILD = $(BUILD)/debug
DEBUG_STAMP = $(DEPS)/debug-stamp
# The console is quiet, so the debug options' init lines are taken from
# the guest's own kernel log and shown as TAP comments before the suites.
DEBUG_BANNER = dmesg | grep -E "KernelAddressSanitizer initialized|Lock dependency validator|kmemleak: Kernel memory leak detector initialized" | sed "s/^/\# kernel: /";

# Only the module is built for the debug kernel: the BPF objects (CO-RE),
# the tests and the tools are the same binaries make check runs on 6.12.
debug-build: debug-kernel all vm-image
	$(Q). $(DEBUG_STAMP) && $(MAKE) -s BUILD=$(DEBUG_BUILD) KDIR=$$DEBUG_KDIR module
	$(Q). $(DEBUG_STAMP) && $(MAKE) -s KSRC7=$$DEBUG_KSRC ksft7-bin
	$(Q)mkdir -p $(DEBUG_BUILD)/vm
	$(Q). $(DEBUG_STAMP) && IODIRTY_VM_MODULE=$(DEBUG_BUILD)/kmod/iodirty.ko \
		IODIRTY_VM_MODDIR=$$DEBUG_MODDIR BUILD=$(BUILD) \
		tools/vm/mkinitramfs.sh $(DEBUG_BUILD)/vm/initramfs.cpio \
		$(VM_TESTS) $(VM_EXTRA_BINS) $(KSFT7_BIN)
	$(Q)ln -sfn $(BUILD)/kmod/iodirty.ko kmod/iodirty.ko

# The DKMS build for the 7.x tree (selftests/install/test_dkms_debug.sh)
# compiles on the second core while the guest suite runs on the first.
check-debug: debug-build
	$(Q)rm -rf $(DEBUG_BUILD)/logs && mkdir -p $(DEBUG_BUILD)/logs
	$(Q)BUILD=$(DEBUG_BUILD) selftests/install/test_dkms_debug.sh \
		> $(DEBUG_BUILD)/logs/dkms-debug.log 2>&1; \
		echo "exit=$$?" >> $(DEBUG_BUILD)/logs/dkms-debug.log & \
	. $(DEBUG_STAMP) && IODIRTY_VM_KERNEL=$$DEBUG_VMLINUZ BUILD=$(DEBUG_BUILD) \
		tools/vm/run --no-build --mem 2G --hugepages 160 --timeout 3600 -- \
		sh -c '$(DEBUG_BANNER) env IODIRTY_FUZZ_CALLS=200000 \
		IODIRTY_TORTURE_SECS=30 /opt/iodirty/run-vm-tests' \
		> $(DEBUG_BUILD)/logs/vm-check-debug.log 2>&1; \
		echo "exit=$$?" >> $(DEBUG_BUILD)/logs/vm-check-debug.log; wait
	$(Q)grep -E '^not ok |^exit=' $(DEBUG_BUILD)/logs/dkms-debug.log | sed 's/^/    /'
	$(Q)grep -E '^not ok |^#.*FAIL|^exit=|^vm: ' \
		$(DEBUG_BUILD)/logs/vm-check-debug.log | sed 's/^/    /'
	$(Q)log=$(DEBUG_BUILD)/logs/vm-check-debug.log; \
		for l in 'KernelAddressSanitizer initialized' 'Lock dependency validator' \
			 'kmemleak: Kernel memory leak detector initialized'; do \
			grep -aq "^# kernel: .*$$l" $$log && echo "    debug kernel: $$l" || \
			{ echo "not ok 1 debug kernel: '$$l' missing from the guest's kernel log" >> \
			  $$log; }; done
	$(Q)tools/check-summary.sh $(DEBUG_BUILD)/logs/vm-check-debug.log \
		$(DEBUG_BUILD)/logs/dkms-debug.log
