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

.PHONY: ksft-bins
ksft-bins: $(BUILD)/vm/iommufd $(BUILD)/vm/iodirty_uapi_test

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
