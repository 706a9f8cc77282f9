# SPDX-License-Identifier: GPL-2.0
#
# User tools: iodirtyctl, iodirty-demo (static, libbpf) and the example
# policies, all installed in the guest's /opt/iodirty via VM_EXTRA_BINS.
#
#   tools         build $(BUILD)/tools/{iodirtyctl,iodirty-demo}
#
# Included by the top-level Makefile, which provides USER_CFLAGS,
# USER_LDLIBS and the BPF object/skeleton rules.

TOOLS_DIR := $(BUILD)/tools
TOOLS_LIB_SRCS := user/libiodirty.c user/policy_path.c
TOOLS_CFLAGS = $(USER_CFLAGS) -Iuser -Itools/iodirtyctl
TOOLS_POLICIES := default coalesce hotcold export
TOOLS_POLICY_OBJS := $(TOOLS_POLICIES:%=$(BUILD)/bpf/%.bpf.o)
TOOLS_BINS := $(TOOLS_DIR)/iodirtyctl $(TOOLS_DIR)/iodirty-demo

.PHONY: tools
tools: $(TOOLS_BINS)

$(TOOLS_DIR)/iodirtyctl: tools/iodirtyctl/iodirtyctl.c tools/iodirtyctl/iodirtyctl.h \
		$(TOOLS_LIB_SRCS) user/libiodirty.h user/bpf_print.h include/uapi/linux/iodirty.h \
		| $(DEPS)/stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TOOLS_CFLAGS) $< $(TOOLS_LIB_SRCS) -o $@ $(USER_LDLIBS)

$(TOOLS_DIR)/iodirty-demo: tools/iodirty-demo/iodirty-demo.c tools/iodirtyctl/iodirtyctl.h \
		bpf/export.h $(TOOLS_LIB_SRCS) user/libiodirty.h user/bpf_print.h \
		include/uapi/linux/iodirty.h $(BUILD)/bpf/export.skel.h \
		| $(DEPS)/stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TOOLS_CFLAGS) $< $(TOOLS_LIB_SRCS) -o $@ $(USER_LDLIBS)

VM_EXTRA_BINS += $(TOOLS_BINS) $(TOOLS_POLICY_OBJS)
