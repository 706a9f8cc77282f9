# SPDX-License-Identifier: GPL-2.0
#
# kselftest-harness binaries for the guest (included by the top-level
# Makefile after $(DEPS)/stamp, so KSRC, CC, Q and msg are defined).
#
#   $(BUILD)/vm/iommufd            the UNMODIFIED upstream selftest
#       tools/testing/selftests/iommu/iommufd.c from the extracted Debian
#       linux-source (KSRC), compiled statically against that tree's own
#       linux/iommufd.h + linux/vfio.h (copied into $(BUILD)/kselftest/usr/
#       include with __user stripped, as headers_install would) and
#       selftests/upstream/compat-6.12-backport.h (five names the stable
#       backports in the 6.12.117 selftest use; see the header).
#       Run in the guest by tools/vm/guest/run-upstream-iommufd.
#   $(BUILD)/debug/vm/iommufd-7    the UNMODIFIED upstream 7.x selftest of
#       the same name from the debug kernel's linux-source-7.N (KSRC7: the
#       cache entry's src/, passed in by mk/debug.mk's debug-build as
#       DEBUG_KSRC from deps/debug-stamp), compiled statically against that
#       tree's own linux/iommufd.h, vfio.h and stddef.h (__counted_by),
#       copied the same way, with -I for its kselftest_harness.h and
#       -lcap (libcap-dev) as its Makefile has.  No compat header: 7.3.4's
#       test builds against its own headers.  Only the check-debug image
#       has it; run by run-upstream-iommufd -k 7 on 7.x kernels.
#   $(BUILD)/vm/iodirty_uapi_test  our own harness tests of the compatible
#       UAPI (selftests/vm/uapi/*.c, one translation unit: main.c includes
#       the area files because the harness keeps its test list static),
#       built against include/uapi (our headers) and the harness header
#       from KSRC.
#
# Both are appended to VM_EXTRA_BINS, so they land in /opt/iodirty.
#   make ksft-bins       just build them

KSFT_DIR := $(BUILD)/kselftest
KSFT_HDRS := $(KSFT_DIR)/usr/include/linux/iommufd.h \
	     $(KSFT_DIR)/usr/include/linux/vfio.h
KSFT_UP_DIR := $(KSRC)/tools/testing/selftests/iommu
KSFT_HARNESS := $(KSRC)/tools/testing/selftests/kselftest_harness.h \
		$(KSRC)/tools/testing/selftests/kselftest.h
KSFT_COMPAT := selftests/upstream/compat-6.12-backport.h

# What the selftest's Makefile + lib.mk use (-Wall -O2 -Wno-unused-function,
# KHDR_INCLUDES), plus -static for the initramfs and _GNU_SOURCE for the
# harness (it uses pthread/asprintf/etc.).
KSFT_CFLAGS := -O2 -g -Wall -Wno-unused-function -D_GNU_SOURCE -static
KSFT_LDLIBS := -lpthread

UAPI_TEST_SRCS := $(wildcard selftests/vm/uapi/*.c selftests/vm/uapi/*.h)
UAPI_TEST_CFLAGS := $(KSFT_CFLAGS) -Wextra -Wno-sign-compare -Wno-unused-parameter \
	-Wno-missing-field-initializers -fno-strict-aliasing -Werror -Iinclude/uapi \
	-I$(KSRC)/tools/testing/selftests

.PHONY: ksft-bins ksft7-bin
ksft-bins: $(BUILD)/vm/iommufd $(BUILD)/vm/iodirty_uapi_test

KSFT7_DIR := $(BUILD)/debug/kselftest7
KSFT7_BIN := $(BUILD)/debug/vm/iommufd-7
ifneq ($(KSRC7),)
KSFT7_UP_DIR := $(KSRC7)/tools/testing/selftests/iommu
KSFT7_HDRS := $(KSFT7_DIR)/usr/include/linux/iommufd.h \
	      $(KSFT7_DIR)/usr/include/linux/vfio.h \
	      $(KSFT7_DIR)/usr/include/linux/stddef.h
KSFT7_HARNESS := $(KSRC7)/tools/testing/selftests/kselftest_harness.h \
		 $(KSRC7)/tools/testing/selftests/kselftest.h

ksft7-bin: $(KSFT7_BIN)

$(KSFT7_DIR)/usr/include/linux/%.h: $(KSRC7)/include/uapi/linux/%.h
	$(Q)mkdir -p $(@D)
	$(Q)sed -E 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
		$< > $@

$(KSFT7_BIN): $(KSFT7_UP_DIR)/iommufd.c $(KSFT7_UP_DIR)/iommufd_utils.h \
		$(KSRC7)/drivers/iommu/iommufd/iommufd_test.h $(KSFT7_HARNESS) \
		$(KSFT7_HDRS)
	$(call msg,KSFT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(KSFT_CFLAGS) -isystem $(KSFT7_DIR)/usr/include \
		-I$(KSRC7)/tools/testing/selftests $< -o $@ -lcap $(KSFT_LDLIBS)
else
ksft7-bin:
	@echo "ksft7-bin: KSRC7 (a linux-source-7.N tree) is not set;" \
		"make debug-build passes the debug kernel's" >&2; exit 1
endif

ifneq ($(KSRC),)
VM_EXTRA_BINS += $(BUILD)/vm/iommufd $(BUILD)/vm/iodirty_uapi_test
endif

$(KSFT_DIR)/usr/include/linux/%.h: $(KSRC)/include/uapi/linux/%.h
	$(Q)mkdir -p $(@D)
	$(Q)sed -E 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
		$< > $@

$(BUILD)/vm/iommufd: $(KSFT_UP_DIR)/iommufd.c $(KSFT_UP_DIR)/iommufd_utils.h \
		$(KSRC)/drivers/iommu/iommufd/iommufd_test.h $(KSFT_HARNESS) \
		$(KSFT_HDRS) $(KSFT_COMPAT)
	$(call msg,KSFT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(KSFT_CFLAGS) -isystem $(KSFT_DIR)/usr/include \
		-include $(KSFT_COMPAT) $< -o $@ $(KSFT_LDLIBS)

$(BUILD)/vm/iodirty_uapi_test: $(UAPI_TEST_SRCS) $(KSFT_HARNESS) \
		include/uapi/linux/iommufd.h include/uapi/linux/iodirty_test.h
	$(call msg,KSFT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UAPI_TEST_CFLAGS) selftests/vm/uapi/main.c -o $@ \
		$(KSFT_LDLIBS)
