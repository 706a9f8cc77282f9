# SPDX-License-Identifier: GPL-2.0
#
# iodirty-migrate: pre-copy live migration of DMA-written memory with a
# byte-exact check at the destination, and the migration policy
# bpf/defer_hot.bpf.c.  Both go to the guest's /opt/iodirty (VM_EXTRA_BINS),
# `make tools` and `make install`.
#
#   demo-migrate   boot the VM and migrate one zipf workload twice
#                  (default and defer_hot, --sync stream), print the table
#   bench-migrate  the migration case of `make bench`: zipf and NIC-ring
#                  workloads under both policies, bytes and downtime per
#                  policy (selftests/bench/vm/run-bench-migrate.sh), writes
#                  $(BUILD)/bench-migrate.json
#
# Included by the top-level Makefile (mk/*.mk), before tools.mk and
# install.mk define their rules; USER_CFLAGS, USER_LDLIBS and the BPF
# rules come from there too.

MIGRATE_BIN := $(BUILD)/tools/iodirty-migrate
MIGRATE_SRCS := $(addprefix tools/iodirty-migrate/,iodirty-migrate.c \
	migrate-source.c migrate-policy.c migrate-dest.c migrate-net.c)
MIGRATE_POLICY_OBJS := $(BUILD)/bpf/defer_hot.bpf.o $(BUILD)/bpf/split_huge.bpf.o
MIGRATE_POLICY_SRCS := bpf/defer_hot.bpf.c bpf/split_huge.bpf.c

$(MIGRATE_BIN): $(MIGRATE_SRCS) $(wildcard tools/iodirty-migrate/*.h) \
		tools/iodirtyctl/iodirtyctl.h bpf/export.h user/libiodirty.c \
		user/libiodirty.h user/policy_path.c user/policy_path.h \
		user/bpf_print.h include/uapi/linux/iodirty.h \
		$(BUILD)/bpf/export.skel.h | $(DEPS)/stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Iuser -Itools/iodirtyctl -Itools/iodirty-migrate \
		$(MIGRATE_POLICY_CFLAGS) $(MIGRATE_SRCS) user/libiodirty.c \
		user/policy_path.c -o $@ $(USER_LDLIBS)

VM_EXTRA_BINS += $(MIGRATE_BIN) $(MIGRATE_POLICY_OBJS)

.PHONY: tools install uninstall demo-migrate bench-migrate install-migrate uninstall-migrate
tools: $(MIGRATE_BIN) $(MIGRATE_POLICY_OBJS)

# install.mk's install/uninstall list tools.mk's binaries; these add ours
# (PREFIX, BINDIR, IODIRTY_DATADIR and $(inst) are install.mk's).
install: install-migrate
uninstall: uninstall-migrate
install-migrate: $(MIGRATE_BIN) $(MIGRATE_POLICY_OBJS)
	$(Q)$(inst) install 0755 $(DESTDIR)$(BINDIR) $(MIGRATE_BIN)
	$(Q)$(inst) install 0644 $(DESTDIR)$(IODIRTY_DATADIR) $(MIGRATE_POLICY_OBJS)
	$(Q)$(inst) install 0644 $(DESTDIR)$(IODIRTY_DATADIR)/src $(MIGRATE_POLICY_SRCS)
uninstall-migrate:
	$(Q)$(inst) uninstall $(DESTDIR)$(BINDIR) $(notdir $(MIGRATE_BIN))
	$(Q)$(inst) uninstall $(DESTDIR)$(IODIRTY_DATADIR) $(notdir $(MIGRATE_POLICY_OBJS))
	$(Q)$(inst) uninstall $(DESTDIR)$(IODIRTY_DATADIR)/src $(notdir $(MIGRATE_POLICY_SRCS))

# A short migration, same zipf workload and seed under two policies.
DEMO_MIGRATE_ARGS ?= --mem 32M --bandwidth 16 --rate 10000 --sync stream
demo-migrate: all vm-image
	$(Q)tools/vm/run --no-build -- /opt/iodirty/demo-migrate $(DEMO_MIGRATE_ARGS)

bench-migrate: all vm-image
	$(Q)selftests/bench/vm/run-bench-migrate.sh $(BUILD)/bench-migrate.json

bench: bench-migrate
