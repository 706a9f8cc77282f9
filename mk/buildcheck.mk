# SPDX-License-Identifier: GPL-2.0
#
# build-check: properties of the module build itself (TAP, with a plan).
.PHONY: build-check
build-check: $(KMOD_KO)
	$(Q)selftests/build/test_uapi_headers.sh $(BUILD)/kmod $(TOP)
