# SPDX-License-Identifier: GPL-2.0
#
# iodirty top-level Makefile.
#
#   make              build everything (module, BPF objects, tools, tests)
#   make deps         install/download/build dependencies (tools/deps.sh)
#   make debug-kernel the cached 7.x KASAN/lockdep kernel (KVER_DEBUG=7.N pins)
#   make check        deps + build + host tests + fuzz smoke + VM tests;
#                     last line: "N passed, M failed"
#   make bench        host benchmarks (build/bench.json)
#   make fuzz         run the page-table fuzzer for FUZZ_SECONDS
#   make vm-shell     interactive guest with the module loaded
#   make demo         the main job: boot the VM and run the policy demo
#   make torture      the SMP torture test for TORTURE_SECS (120) seconds
#   make clean        remove build/ (deps/ stays)
#
# Variables: KVER=6.12.N pins the Debian kernel; KDIR=<kernel build dir>
# builds the module against another kernel (>= 6.9 with BTF; set
# VMLINUX_BTF too if KDIR has no vmlinux); BUILD, DEPS move the output and
# dependency directories; V=1 shows commands.

TOP := $(abspath .)
BUILD ?= build
DEPS ?= deps
override BUILD := $(abspath $(BUILD))
override DEPS := $(abspath $(DEPS))
REQ_KVER := $(KVER)

# The stamp written by tools/deps.sh defines KDIR, VMLINUZ, MODDIR, KSRC,
# LIBBPF_DIR and BPFTOOL.  Command-line values (make KDIR=...) win.
NODEPS_GOALS := clean help deps
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(DEPS)/stamp
endif

CLANG ?= clang-19
CC ?= gcc
VMLINUX_BTF ?= $(KDIR)/vmlinux
Q := $(if $(V),,@)
msg = $(if $(V),,@printf '  %-8s %s\n' '$(1)' '$(2)';)

export BUILD DEPS

# mk/*.mk add host suites (host-check, fuzz-check, bench) and may append
# static guest binaries to VM_EXTRA_BINS; included before the rules below
# so their prerequisites see the additions.
.DEFAULT_GOAL := all
VM_EXTRA_BINS :=
-include mk/*.mk

.PHONY: all deps module bpf user tests clean help check vm-check vm-image \
	vm-shell vmrun-check demo torture
.DELETE_ON_ERROR:
.SECONDARY:

all: module bpf user tests $(VM_EXTRA_BINS)

deps:
	$(Q)KVER='$(REQ_KVER)' $(TOP)/tools/deps.sh $(DEPS)

$(DEPS)/stamp:
	$(Q)KVER='$(REQ_KVER)' $(TOP)/tools/deps.sh $(DEPS)

# The KASAN/lockdep/IOMMUFD_TEST kernel, cached machine-wide (deps/debug-stamp).
.PHONY: debug-kernel
debug-kernel: | $(DEPS)/stamp
	$(Q)KVER_DEBUG='$(KVER_DEBUG)' $(TOP)/tools/kernel/build-debug-kernel.sh $(DEPS)

# ---- kernel module ---------------------------------------------------------
# Kbuild (6.12) writes objects next to the sources; build in a shadow tree of
# symlinks under $(BUILD)/kmod so the source tree stays clean.
KMOD_SRCS := $(shell find kmod -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \))
KMOD_KO := $(BUILD)/kmod/iodirty.ko

module: $(KMOD_KO)

$(KMOD_KO): $(KMOD_SRCS) include/uapi/linux/iodirty.h $(wildcard include/uapi/linux/*.h) | $(DEPS)/stamp
	$(call msg,MODULE,$@)
	$(Q)mkdir -p $(BUILD)/kmod && find $(BUILD)/kmod -xtype l -delete
	$(Q)cd kmod && find . -type d -exec mkdir -p $(BUILD)/kmod/{} \; && \
		find . -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \) \
		-exec ln -sfn $(TOP)/kmod/{} $(BUILD)/kmod/{} \;
	$(Q)$(MAKE) -s -C $(KDIR) M=$(BUILD)/kmod IODIRTY_ROOT=$(TOP) modules
	$(Q)ln -sfn $(BUILD)/kmod/iodirty.ko kmod/iodirty.ko

# ---- BPF objects and skeletons -----------------------------------------------
# Policies in bpf/, test programs in selftests/vm/progs/ (incl. *_fail.bpf.c,
# which compile but must be rejected by the verifier).
BPF_SRCS := $(wildcard bpf/*.bpf.c selftests/vm/progs/*.bpf.c)
BPF_NAMES := $(notdir $(BPF_SRCS:.bpf.c=))
BPF_OBJS := $(BPF_NAMES:%=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_NAMES:%=$(BUILD)/bpf/%.skel.h)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I$(BUILD)/bpf -Ibpf -Iselftests/vm/progs -I$(LIBBPF_DIR)/include
vpath %.bpf.c bpf selftests/vm/progs

bpf: $(BPF_OBJS) $(BPF_SKELS)

# vmlinux.h with the module's types: the kernel's BTF plus iodirty.ko's.
$(BUILD)/bpf/vmlinux.h: $(KMOD_KO)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(BUILD)/bpf
	$(Q)$(BPFTOOL) -B $(VMLINUX_BTF) btf dump file $(KMOD_KO) format c > $@

$(BUILD)/bpf/%.bpf.o: %.bpf.c $(BUILD)/bpf/vmlinux.h $(wildcard bpf/*.h selftests/vm/progs/*.h)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# ---- static user binaries ----------------------------------------------------
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror \
	-Iinclude/uapi -I$(BUILD)/bpf -Ibpf -I$(LIBBPF_DIR)/include
USER_LDLIBS := -static -L$(LIBBPF_DIR)/lib -lbpf -lelf -lz -lzstd

VM_TEST_SRCS := selftests/vm/test_progs.c $(wildcard selftests/vm/prog_tests/*.c) \
	user/libiodirty.c user/iodirty_record.c
VM_TESTS := $(BUILD)/vm/test_progs

user: $(BPF_SKELS)
tests: $(VM_TESTS)

$(BUILD)/vm/test_progs: $(VM_TEST_SRCS) $(wildcard selftests/vm/*.h \
		selftests/vm/prog_tests/*.h user/*.h) $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BUILD)/vm
	$(Q)$(CC) $(USER_CFLAGS) -Iselftests/vm -Iuser $(VM_TEST_SRCS) -o $@ $(USER_LDLIBS)

# ---- VM ------------------------------------------------------------------
VM_FILES := $(VM_TESTS) $(VM_EXTRA_BINS) $(KMOD_KO) $(wildcard tools/vm/guest/*)

vm-image: $(BUILD)/vm/initramfs.cpio

$(BUILD)/vm/initramfs.cpio: $(VM_FILES) tools/vm/mkinitramfs.sh
	$(call msg,INITRD,$@)
	$(Q)tools/vm/mkinitramfs.sh $@ $(VM_TESTS) $(VM_EXTRA_BINS)

vm-shell: all vm-image
	$(Q)tools/vm/run --no-build --interactive

# The guest's timeout catches a hang, not a slow machine: with other work
# on the 2 cores the suites have taken more than the default 600 s.
vm-check: all vm-image
	$(Q)tools/vm/run --no-build --mem 2G --hugepages 160 --timeout 1800 -- \
		/opt/iodirty/run-vm-tests

vmrun-check: all vm-image
	$(Q)selftests/vmrun/test_vm_run.sh

# The guest records the demo's dirty runs (iodirty-top --record) into
# $(BUILD)/demo; the heatmap is rendered here, on the host.
demo: all vm-image $(BUILD)/tools/iodirty-heatmap
	$(Q)rm -rf $(BUILD)/demo
	$(Q)tools/vm/run --no-build --out $(BUILD)/demo -- /opt/iodirty/demo
	$(Q)$(BUILD)/tools/iodirty-heatmap --log -o $(BUILD)/demo/heatmap.png $(BUILD)/demo/demo.rec && \
		echo "heatmap of the demo's dirty pages: $(BUILD)/demo/heatmap.png"

# The torture test alone, longer than its 15 s in vm-check.
TORTURE_SECS ?= 120
torture: all vm-image
	$(Q)tools/vm/run --no-build --mem 2G --timeout $$(($(TORTURE_SECS) + 300)) -- \
		env IODIRTY_TORTURE_SECS=$(TORTURE_SECS) test_progs -t torture

# ---- the test command --------------------------------------------------------
# Every suite runs (one failing suite does not hide the others); its TAP
# lines are counted by tools/check-summary.sh, which prints the last line.
# The host suites and the VM suites run side by side (two cores; each VM
# is a single TCG thread).
CHECK_HOST_SUITES := host-check fuzz-check build-check install-check
CHECK_VM_SUITES := vm-check vmrun-check
CHECK_SUITES := $(CHECK_HOST_SUITES) $(CHECK_VM_SUITES)

check:
	$(Q)$(MAKE) -s deps
	$(Q)$(MAKE) -s all vm-image
	$(Q)rm -rf $(BUILD)/logs && mkdir -p $(BUILD)/logs
	$(Q)run_suites() { for s in "$$@"; do \
		$(MAKE) -s $$s > $(BUILD)/logs/$$s.log 2>&1; \
		echo "exit=$$?" >> $(BUILD)/logs/$$s.log; done; }; \
	run_suites $(CHECK_HOST_SUITES) & run_suites $(CHECK_VM_SUITES); wait
	$(Q)for s in $(CHECK_SUITES); do \
		echo "=== $$s"; \
		grep -E '^not ok |^#.*FAIL|^exit=|^vm: ' $(BUILD)/logs/$$s.log | \
			sed 's/^/    /'; \
	done
	$(Q)tools/check-summary.sh $(addprefix $(BUILD)/logs/,$(addsuffix .log,$(CHECK_SUITES)))

clean:
	rm -rf $(BUILD) kmod/iodirty.ko

help:
	@sed -n '3,20p' Makefile

