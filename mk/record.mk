# SPDX-License-Identifier: GPL-2.0
#
# Recordings (user/iodirty_record.h): the tools that read them.
#
#   iodirty-heatmap   $(BUILD)/tools/iodirty-heatmap: PNG heatmap (libpng)
#                     or damo-style raw lines; static, like the other tools
#   iodirty-replay    $(BUILD)/tools/iodirty-replay: re-issues a recording's
#                     writes on emulated devices (guest /opt/iodirty)
#
# Both are part of `make tools` and `make install` (mk/install.mk); the
# both also go into the guest (VM_EXTRA_BINS, /opt/iodirty).  Included by the
# top-level Makefile (mk/*.mk) and by mk/host.mk (the heatmap's host test
# runs the binary), hence the guard.  Self-contained: neither tool needs
# libbpf, so the rules use their own flags.
ifndef IODIRTY_RECORD_MK
IODIRTY_RECORD_MK := 1

BUILD ?= build
RECORD_DIR := $(BUILD)/tools
RECORD_CC ?= $(or $(CC),gcc)
RECORD_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror \
	-Iinclude/uapi -Iuser
# Debian's libpng-dev ships libpng16.a: linked statically (with zlib, libm)
RECORD_PNG_LIBS := -lpng16 -lz -lm
RECORD_LIB_SRCS := user/iodirty_record.c
RECORD_BINS := $(RECORD_DIR)/iodirty-heatmap $(RECORD_DIR)/iodirty-replay

.PHONY: record-tools
record-tools: $(RECORD_BINS)

$(RECORD_DIR)/iodirty-heatmap: tools/iodirty-heatmap/iodirty-heatmap.c tools/iodirty-heatmap/heatmap_png.c \
		tools/iodirty-heatmap/iodirty-heatmap.h tools/iodirty-heatmap/heatmap_font.h \
		$(RECORD_LIB_SRCS) user/iodirty_record.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(RECORD_CC) $(RECORD_CFLAGS) -Itools/iodirty-heatmap $< tools/iodirty-heatmap/heatmap_png.c $(RECORD_LIB_SRCS) \
		-o $@ -static $(RECORD_PNG_LIBS)

$(RECORD_DIR)/iodirty-replay: tools/iodirty-replay/iodirty-replay.c \
		tools/iodirty-replay/iodirty-replay.h $(RECORD_LIB_SRCS) user/iodirty_record.h \
		user/libiodirty.c user/libiodirty.h include/uapi/linux/iodirty.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(RECORD_CC) $(RECORD_CFLAGS) -Itools/iodirty-replay $< $(RECORD_LIB_SRCS) \
		user/libiodirty.c -o $@ -static -lm

# `make tools` builds them too; `make install` copies them (mk/install.mk)
tools: $(RECORD_BINS)
VM_EXTRA_BINS += $(RECORD_BINS)

endif
