# SPDX-License-Identifier: GPL-2.0
#
# Installing iodirty on a host (the test VM needs none of this).
#
#   make install         iodirtyctl, iodirty-demo, iodirty-lab, iodirty-top,
#                        iodirty-heatmap, iodirty-replay (static) in
#                        $(PREFIX)/bin; the example policies (.bpf.o) in
#                        $(PREFIX)/share/iodirty, their sources, headers and
#                        vmlinux.h in .../src
#   make uninstall       removes exactly those files (and the share/iodirty dirs)
#   make modules_install builds iodirty.ko for KDIR (checked first by
#                        dkms/check-kernel.sh) and installs it with Kbuild in
#                        $(INSTALL_MOD_PATH)/lib/modules/<release>/$(INSTALL_MOD_DIR)
#   make dkms-source     the DKMS source tree: dkms.conf, check-kernel.sh, the
#                        module sources, in $(DESTDIR)$(DKMS_SRCDIR)/iodirty-<ver>
#   make install-check   the tests (selftests/install/, TAP)
#
# PREFIX (/usr/local) is compiled into iodirtyctl as its default policy
# directory (a PREFIX change relinks it); DESTDIR only moves the copy.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
IODIRTY_DATADIR = $(PREFIX)/share/iodirty
DKMS_SRCDIR ?= /usr/src
INSTALL_MOD_DIR ?= extra
IODIRTY_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms/dkms.conf)

# Everything `make install` copies besides the binaries; uninstall removes
# the same names.  Expanded at recipe time (tools.mk is included later).
INSTALL_SRCS = $(TOOLS_POLICIES:%=bpf/%.bpf.c) bpf/iodirty.bpf.h bpf/export.h \
	$(wildcard bpf/examples/*.bpf.c) $(BUILD)/bpf/vmlinux.h
INSTALL_OBJS = $(TOOLS_POLICY_OBJS)
inst = $(TOP)/tools/install.sh

.PHONY: install uninstall modules_install dkms-source install-check FORCE

# The compiled-in policy directory follows PREFIX.
$(BUILD)/tools/.policy-dir: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(IODIRTY_DATADIR)' | cmp -s - $@ 2>/dev/null || echo '$(IODIRTY_DATADIR)' > $@
$(BUILD)/tools/iodirtyctl $(BUILD)/tools/iodirty-migrate: $(BUILD)/tools/.policy-dir
$(BUILD)/tools/iodirtyctl: TOOLS_CFLAGS += -DIODIRTY_POLICY_DIR='"$(IODIRTY_DATADIR)"'
$(BUILD)/tools/iodirty-migrate: MIGRATE_POLICY_CFLAGS = -DIODIRTY_POLICY_DIR='"$(IODIRTY_DATADIR)"'

install: tools bpf
	$(Q)$(inst) install 0755 $(DESTDIR)$(BINDIR) $(TOOLS_BINS) $(RECORD_BINS)
	$(Q)$(inst) install 0644 $(DESTDIR)$(IODIRTY_DATADIR) $(INSTALL_OBJS)
	$(Q)$(inst) install 0644 $(DESTDIR)$(IODIRTY_DATADIR)/src $(INSTALL_SRCS)

uninstall:
	$(Q)$(inst) uninstall $(DESTDIR)$(BINDIR) $(notdir $(TOOLS_BINS) $(RECORD_BINS))
	$(Q)$(inst) uninstall $(DESTDIR)$(IODIRTY_DATADIR) $(notdir $(INSTALL_OBJS))
	$(Q)$(inst) uninstall $(DESTDIR)$(IODIRTY_DATADIR)/src $(notdir $(INSTALL_SRCS))
	$(Q)$(inst) rmdir $(DESTDIR)$(IODIRTY_DATADIR)/src $(DESTDIR)$(IODIRTY_DATADIR)

# The kernel is checked before anything is compiled (a too old kernel or
# one without module BTF gets a message naming what is missing).
# Kbuild signs with CONFIG_MODULE_SIG_ALL only when the tree has the key
# (distribution headers do not: then the module is installed unsigned).
# depmod runs when the target holds an installed kernel (modules.builtin).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"/\1/p' $(KDIR)/.config 2>/dev/null)
MODDIR_INST = $(INSTALL_MOD_PATH)/lib/modules/$(KREL)
modules_install:
	$(Q)$(TOP)/dkms/check-kernel.sh $(KDIR)
	$(Q)$(MAKE) -s module
	$(Q)$(TOP)/dkms/check-kernel.sh --built $(KMOD_KO)
	$(Q)$(inst) mkdir $(MODDIR_INST)/$(INSTALL_MOD_DIR)
	$(Q)$(MAKE) -s -C $(KDIR) M=$(BUILD)/kmod IODIRTY_ROOT=$(TOP) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(wildcard $(SIG_KEY) $(KDIR)/$(SIG_KEY)),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	$(Q)if [ -f $(MODDIR_INST)/modules.builtin ]; then \
		depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL); \
	else echo "  note: $(MODDIR_INST) holds no installed kernel (no modules.builtin): run depmod there before modprobe"; fi

DKMS_TREE = $(DESTDIR)$(DKMS_SRCDIR)/iodirty-$(IODIRTY_VERSION)
dkms-source:
	$(Q)$(inst) install 0644 $(DKMS_TREE) dkms/dkms.conf
	$(Q)$(inst) install 0755 $(DKMS_TREE) dkms/check-kernel.sh
	$(Q)$(inst) tree $(DKMS_TREE) $(TOP) $(KMOD_SRCS) \
		$(patsubst $(TOP)/%,%,$(wildcard $(TOP)/include/uapi/linux/*.h))

install-check: all vm-image
	$(Q)rc=0; selftests/install/test_install.sh || rc=1; \
		selftests/install/test_readme.sh README.md || rc=1; exit $$rc
