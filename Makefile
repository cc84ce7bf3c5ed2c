# zone: build, test and install.  `make demo` runs a zone; `make check` runs every test.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
BUILD      := build
PKGS       := yajl libseccomp libcap libmnl libnftnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lyajl -lseccomp -lcap -lmnl -lnftnl)
# (no -lm: util/units.h rounds; fmin/fmax are builtins)
CFLAGS     ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -DZONE_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS)
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS   := $(wildcard util/*.c spec/*.c rootfs/*.c cgroups/*.c netns/*.c runtime/*.c)
# zone's last stage (runtime/stage2/): a static program without libc, linked into zone as bytes.
STAGE2_BIN := $(BUILD)/stage2/zone-stage2
STAGE2_OBJ := $(BUILD)/stage2/blob.o
STAGE2_CFLAGS := -static -nostdlib -no-pie -ffreestanding -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables \
                 -fno-unwind-tables -fcf-protection=none -O2 -Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,noseparate-code -s
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(STAGE2_OBJ)
SAN_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/asan/%.o) $(STAGE2_OBJ)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
UNIT_SAN   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/unit/%)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/*.c)) \
                $(patsubst tests/helpers/static/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/static/*.c))
UNITDIR    ?= $(PREFIX)/lib/systemd/system
HEADERS    := $(wildcard cmd/*.h util/*.h spec/*.h rootfs/*.h cgroups/*.h netns/*.h runtime/*.h runtime/stage2/*.h tests/unit/*.h)

.PHONY: all deps deps-bench deps-vm deps-fuzz install demo bench bench-governor bench-checkpoint bench-density check check-v2 check-unit check-asan \
        check-integration check-engines fuzz clean

all: $(BUILD)/zone $(BUILD)/zone-full

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(ALL_CFLAGS) $(SAN_CFLAGS) -c $< -o $@

$(STAGE2_BIN): runtime/stage2/stage2.c runtime/stage2/stage2.h
	@mkdir -p $(dir $@)
	@echo "  CC      $< (static, no libc)"
	@$(CC) $(STAGE2_CFLAGS) $< -o $@

$(STAGE2_OBJ): runtime/stage2/blob.S $(STAGE2_BIN)
	@$(CC) -c -DSTAGE2_BIN='"$(STAGE2_BIN)"' $< -o $@

$(BUILD)/libzone.a: $(LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/asan/libzone.a: $(SAN_OBJS)
	@rm -f $@
	@ar rcs $@ $^

# zone: static, without the netlink, nftables and sd-bus parts, which it hands to zone-full, the
# same program linked dynamically with everything (runtime/full.h).
LIBEXECDIR  ?= $(PREFIX)/libexec/zone
ABSENT_SRCS := netns/absent/rtnl_nat.c cgroups/absent/sdbus.c
CORE_OBJS   := $(filter-out $(BUILD)/obj/netns/rtnl.o $(BUILD)/obj/netns/nat.o $(BUILD)/obj/cgroups/systemd.o,$(LIB_OBJS)) \
               $(ABSENT_SRCS:%.c=$(BUILD)/obj/%.o)
CORE_LIBS   := -lyajl_s -lseccomp -lcap

$(BUILD)/zone: $(wildcard cmd/*.c) $(CORE_OBJS) $(HEADERS)
	$(CC) $(ALL_CFLAGS) -DZONE_CORE -DZONE_LIBEXECDIR='"$(LIBEXECDIR)"' -static $(wildcard cmd/*.c) $(CORE_OBJS) \
	  $(CORE_LIBS) -o $@

$(BUILD)/zone-full: $(wildcard cmd/*.c) $(BUILD)/libzone.a $(HEADERS)
	$(CC) $(ALL_CFLAGS) -DZONE_LIBEXECDIR='"$(LIBEXECDIR)"' $(wildcard cmd/*.c) $(BUILD)/libzone.a -Wl,--as-needed \
	  $(PKG_LIBS) -o $@

# Static: they run inside zones made from the busybox rootfs.
$(BUILD)/tests/%: tests/helpers/static/%.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror $< -o $@

$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libzone.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libzone.a $(PKG_LIBS) -o $@

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libzone.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libzone.a $(PKG_LIBS) -o $@

$(BUILD)/asan/unit/%: tests/unit/%.c $(BUILD)/asan/libzone.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_CFLAGS) $< $(BUILD)/asan/libzone.a $(PKG_LIBS) -o $@

deps:
	@scripts/install-deps

deps-bench: deps
	@scripts/install-deps bench

deps-vm:
	@scripts/install-deps vm

deps-fuzz:
	@scripts/install-deps fuzz

$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@

# Static: it runs in a busybox rootfs.
$(BUILD)/bench/touchmem: bench/touchmem.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror $< -o $@

# What `make install` puts in place: stripped (zone-full beside zone, where zone finds it).
$(BUILD)/bench/zone: $(BUILD)/zone $(BUILD)/bench/zone-full
	@mkdir -p $(dir $@)
	strip -o $@ $<

$(BUILD)/bench/zone-full: $(BUILD)/zone-full
	@mkdir -p $(dir $@)
	strip -o $@ $<

bench: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/bench/zone $(BUILD)/bench/floor $(BUILD)/bench/touchmem
	@bench/run
	@bench/governor
	@bench/checkpoint
	@bench/density

# 2,000 idle zones from one template: host memory per zone, time to start them, `zone list`;
# runc beside it; what KSM merging saves (bench/README.md).
bench-density: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/bench/zone
	@bench/density

# Checkpoint, restore and migration downtime, zone against runc with 64 MiB touched (bench/README.md).
bench-checkpoint: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/bench/zone $(BUILD)/bench/touchmem
	@bench/checkpoint

# The CPU governor's cost per zone and its reaction time, at 10 to 2,000 zones (bench/README.md).
bench-governor: deps-bench $(BUILD)/zone $(BUILD)/zone-full
	@bench/governor

# zone, and the systemd units that run defined zones and the governor (docs/templates.md).
install: $(BUILD)/zone $(BUILD)/zone-full
	install -D -s -m 0755 $(BUILD)/zone $(DESTDIR)$(PREFIX)/bin/zone
	install -D -s -m 0755 $(BUILD)/zone-full $(DESTDIR)$(LIBEXECDIR)/zone-full
	@mkdir -p $(DESTDIR)$(UNITDIR)
	for u in units/*.service.in; do \
	  sed 's|@BINDIR@|$(PREFIX)/bin|g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u .in); \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u .in); \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

check-unit: $(UNIT_BINS)
	@tests/unit/run $(UNIT_BINS)

check-asan: $(UNIT_SAN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/unit/run $(UNIT_SAN)

check-integration: $(BUILD)/zone $(BUILD)/zone-full $(TEST_HELPERS)
	@tests/integration/run

# zone under podman, containerd and dockerd (ZONE_ENGINES picks some of them).
check-engines: $(BUILD)/zone $(BUILD)/zone-full
	@tests/engines/run

check: deps
	@$(MAKE) --no-print-directory all check-unit check-asan check-integration check-engines

# The whole suite again inside a guest with pure cgroup v2 and systemd as PID 1 (tests/vm);
# of the engines, podman (with its default there, --cgroup-manager systemd).
check-v2: deps-vm
	@tests/vm/guest-run 'ZONE_ENGINES=podman make check'

# libFuzzer targets (clang) for the parsers: tests/fuzz/fuzz_*.c, seeds in tests/fuzz/corpus/.
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -DZONE_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -g -O1 \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) $(STAGE2_OBJ)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libzone.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libzone.a $(HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(BUILD)/fuzz/libzone.a $(PKG_LIBS) -o $@

# FUZZ_SECONDS=N bounds each target (default 60).
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/fuzz/run

clean:
	rm -rf $(BUILD)
