# SPDX-License-Identifier: GPL-2.0
#
# The in-VM ioctl fuzzer (selftests/vm/fuzz/ioctl_fuzz.c): a static binary
# in the guest's /opt/iodirty (through VM_EXTRA_BINS), run by
# tools/vm/guest/run-vm-tests as the ioctl_fuzz sub-suite of vm-check.
# User-space only: built against the project's UAPI headers (include/uapi).
#
#   $(BUILD)/vm/ioctl_fuzz   the binary
#   make vm-fuzz             boot the VM and run it for VM_FUZZ_CALLS calls
#                            (default 10000000) on VM_FUZZ_THREADS threads
#
# Included by the top-level Makefile (CC, Q and msg are defined there).

VMFUZZ_BIN := $(BUILD)/vm/ioctl_fuzz
VM_FUZZ_CALLS ?= 10000000
VM_FUZZ_THREADS ?= 4

VM_EXTRA_BINS += $(VMFUZZ_BIN)

.PHONY: vm-fuzz

$(VMFUZZ_BIN): selftests/vm/fuzz/ioctl_fuzz.c selftests/vm/fuzz/args.c \
		include/uapi/linux/iommufd.h \
		include/uapi/linux/iodirty.h include/uapi/linux/iodirty_test.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
		-static -Iinclude/uapi $< -o $@

vm-fuzz: all vm-image
	$(Q)tools/vm/run --no-build --mem 2G -- \
		/opt/iodirty/ioctl_fuzz -n $(VM_FUZZ_CALLS) -j $(VM_FUZZ_THREADS)
