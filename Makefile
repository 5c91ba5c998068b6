# perftests — build, test, install.  `make`, `make test`, `make bench`,
# `make run`, `make install PREFIX=/usr/local DESTDIR=`.

# `make` alone builds the binary (the JMX rule below would otherwise be
# the first target).
.DEFAULT_GOAL := all

VERSION_BASE := 0.1.0
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo $(VERSION_BASE))
PREFIX ?= /usr/local
DESTDIR ?=
DATADIR := $(PREFIX)/share/perftests

PKGS := libpcap libnl-3.0 libnl-route-3.0 librrd libcurl libconfig jansson libarchive \
	gsl sqlite3

# Debian packages: to build, to run, to test.  `make deps` installs the
# missing ones (and only those).
DEBS := build-essential pkg-config libpcap-dev libnl-3-dev libnl-route-3-dev \
	librrd-dev libcurl4-openssl-dev libconfig-dev libjansson-dev \
	libarchive-dev libcmocka-dev libgsl-dev libsqlite3-dev libiperf-dev \
	openvswitch-switch iproute2

# What the integration tests run besides: the report server, the browser
# that renders the report, the JSON schema check, a JVM (and javac for the
# JMX sidecar).  `make test` installs
# them; `make run` does not need them.  sshd (openssh-server, with
# ssh-keygen) is the scp/sftp server of faults_post.sh and each "host" of
# hosts.sh, whose ssh (openssh-client) drives the agents; openssl makes its
# self-signed certificate; clang-14 builds the fuzzers (`make fuzz`, run
# briefly by `make test`).
TEST_DEBS := nginx chromium python3-jsonschema openjdk-17-jdk-headless \
	openssh-server openssh-client openssl clang-14 gdb

CC ?= gcc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
	-Werror=implicit-function-declaration -Werror=incompatible-pointer-types
# Includes name their room: "lib/strbuf.h", "collectors/collector.h".
CPPFLAGS += -D_GNU_SOURCE -Ibuild -Iharness -I. -MMD -MP \
	-DPT_DATADIR='"$(DATADIR)"'
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) $(PKG_CFLAGS)
# libiperf (iperf3's library, the TCP phase) has no pkg-config file.
LDLIBS += $(PKG_LIBS) -liperf -lpthread -lm

# gcc's "undefined" leaves out float-cast-overflow (a NaN or 1e300 cast to
# int), which clang's has; files from outside carry such figures.
SAN := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined,float-cast-overflow

# The library: everything but main.c, so the tests link what the binary does.
# One list per room (see DESIGN.md, "Rooms and layers").
LIB_SRCS := harness/lib/strbuf.c harness/lib/log.c harness/lib/util.c \
	harness/lib/proc.c harness/lib/ledger.c harness/lib/netns.c \
	harness/lib/links.c harness/lib/jsonrpc.c harness/lib/ovsdb.c \
	harness/lib/unixctl.c harness/lib/hist.c harness/lib/pace.c \
	harness/lib/rrdfile.c harness/lib/cpus.c harness/lib/xcpu.c
RUN_SRCS := harness/cli.c harness/history_cli.c harness/site_cli.c harness/run/settings.c harness/run/profile.c \
	harness/run/rundir.c harness/run/metadata.c harness/run/run.c harness/run/run_phases.c \
	harness/run/scenario.c harness/run/probe.c harness/run/run_collectors.c \
	harness/run/calibration.c harness/run/placement.c harness/run/sut_setup.c \
	harness/run/ab_run.c harness/run/run_hosts.c
TRAFFIC_SRCS := harness/traffic/frame.c \
	harness/traffic/flow.c harness/traffic/pcapns.c \
	harness/traffic/injector.c harness/traffic/injector_ring.c \
	harness/traffic/injector_socket.c harness/traffic/receiver.c \
	harness/traffic/traffic.c harness/traffic/search.c harness/traffic/mlr.c \
	harness/traffic/measure.c harness/traffic/strategy.c \
	harness/traffic/strategy_steps.c harness/traffic/strategy_ndr.c \
	harness/traffic/strategy_binary.c harness/traffic/latency.c \
	harness/traffic/tcp.c
SUT_SRCS := harness/sut/ovs_instance.c harness/sut/sut.c \
	harness/sut/sut_ovs.c harness/sut/sut_proc.c harness/sut/ovs_build.c harness/sut/ovs_config.c harness/sut/packages.c \
	harness/sut/snapshot.c harness/sut/snapshot_jvm.c
SAMPLE_SRCS := harness/sample/series.c harness/sample/sampler.c
REMOTE_SRCS := harness/remote/hosts.c harness/remote/wire.c \
	harness/remote/peer.c harness/remote/agent.c \
	harness/remote/agent_traffic.c harness/remote/agent_rtt.c \
	harness/remote/agent_tcp.c harness/remote/remote_tcp.c \
	harness/remote/remote_traffic.c
TOPOLOGY_SRCS := topologies/registry.c topologies/basic.c \
	topologies/linux_bridge.c topologies/direct.c topologies/hosts.c \
	topologies/script.c
COLLECTOR_SRCS := collectors/metric.c collectors/rrd.c collectors/registry.c \
	collectors/procfs.c collectors/proc.c collectors/system.c \
	collectors/netdev.c collectors/ovs_text.c collectors/ovs.c \
	collectors/jmxconf.c collectors/jmx_sidecar.c collectors/jmx.c
REPORT_SRCS := report/load.c report/graph.c report/summary.c report/testspec.c \
	report/junit.c report/html.c report/report.c report/bundle.c \
	report/post.c report/deliver.c report/spool.c report/latency.c \
	report/regress.c report/history.c report/regression.c report/trend.c \
	report/ab_stats.c report/ab.c report/site.c report/site_pages.c \
	report/site_series.c
PT_SRCS := $(LIB_SRCS) $(RUN_SRCS) $(TRAFFIC_SRCS) $(SUT_SRCS) $(SAMPLE_SRCS) $(REMOTE_SRCS) \
	$(TOPOLOGY_SRCS) $(COLLECTOR_SRCS) $(REPORT_SRCS)

UNIT_TESTS := $(patsubst tests/unit/%.c,build/asan/tests/unit/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,build/asan/tests/integration/%,$(wildcard tests/integration/test_*.c))
# lib*.sh are sourced by the tests (lib.sh, lib_hosts.sh), not tests.
SHELL_TESTS := $(filter-out tests/integration/lib%.sh,$(wildcard tests/integration/*.sh))

LIB_OBJS := $(PT_SRCS:%.c=build/%.o)
ASAN_OBJS := $(PT_SRCS:%.c=build/asan/%.o)

# The JMX sidecar is Java: built when javac is there; without it the jmx
# collector says it is unavailable and everything else works.
JAVAC := $(shell command -v javac 2>/dev/null)
JMX_SRCS := $(wildcard collectors/jmx/*.java)
JMX_CLASSES := $(if $(JAVAC),build/jmx/PtJmx.class)
TEST_JAVA := $(if $(JAVAC),build/tests/jmx/PtTestApp.class)

build/jmx/PtJmx.class: $(JMX_SRCS)
	@mkdir -p build/jmx
	$(JAVAC) --release 17 -Xlint:all -d build/jmx $(JMX_SRCS)

build/tests/jmx/PtTestApp.class: tests/jmx/PtTestApp.java
	@mkdir -p build/tests/jmx
	$(JAVAC) --release 17 -Xlint:all -d build/tests/jmx $<

.PHONY: all deps test-deps run test unit integration bench fuzz fuzz-cc \
	install install-server clean check-root check-layers valgrind
all: perftests $(JMX_CLASSES)

perftests: build/harness/main.o build/libperftests.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/libperftests.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The version is a header rewritten only when `git describe` changes, so a
# new commit rebuilds what prints it and nothing else.
build/version.h: FORCE
	@mkdir -p build
	@echo '#define PT_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

# What prints the version (metadata, --version, the agents' hello).
VERSIONED := harness/run/metadata harness/main harness/remote/agent \
	harness/remote/peer
$(foreach d,build build/asan build/fuzz build/vg,$(VERSIONED:%=$(d)/%.o)): \
	build/version.h

build/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Tests are built with ASan and UBSan, objects kept apart from the binary's.
build/asan/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -O1 -c -o $@ $<

build/asan/libperftests.a: $(ASAN_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

build/asan/tests/%: tests/%.c build/asan/libperftests.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -O1 -o $@ $< build/asan/libperftests.a $(LDLIBS) -lcmocka

# test_agent runs `perftests agent` itself.
build/asan/tests/unit/test_agent build/vg/tests/unit/test_agent \
	build/asan/tests/integration/test_remote_traffic: perftests
build/asan/tests/unit/test_agent.o build/asan/tests/unit/test_agent \
	build/asan/tests/unit/test_peer build/vg/tests/unit/test_peer \
	build/vg/tests/unit/test_agent: build/version.h

# The unit tests again without sanitizers (valgrind cannot run ASan
# binaries), objects in build/vg, each test under memcheck: any error, or
# a leak definitely or indirectly lost, fails it.  Third-party caches kept
# until exit are "still reachable" and not counted (see tests/valgrind.supp).
VG_OBJS := $(PT_SRCS:%.c=build/vg/%.o)
VG_TESTS := $(patsubst tests/unit/%.c,build/vg/tests/unit/%,$(wildcard tests/unit/test_*.c))
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--suppressions=tests/valgrind.supp --child-silent-after-fork=yes

build/vg/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/vg/libperftests.a: $(VG_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

build/vg/tests/%: tests/%.c build/vg/libperftests.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/vg/libperftests.a $(LDLIBS) -lcmocka

valgrind: $(VG_TESTS)
	TEST_WRAPPER="$(VALGRIND)" tests/run-tests.sh $(VG_TESTS)

# $(call install_missing,PACKAGES): apt-get installs those not installed.
# Their maintainer scripts would start system services (nginx on :80, sshd
# on :22) through invoke-rc.d; the tests start their own on loopback ports,
# so while installing a policy-rc.d that says "no" (101) stands in, unless
# the host has one of its own, which is left alone.  The trap removes ours
# however apt-get ends.
define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "make: missing Debian packages: $$missing; run as root (sudo make $@)" >&2; exit 3; \
		fi; \
		echo "installing:" $$missing; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; trap 'exit 130' INT TERM; \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; \
		fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBS))

run: deps
	$(MAKE) all
	./perftests basic_topology

unit: $(UNIT_TESTS)
integration: perftests $(INTEG_TESTS)

# deps, build, then every test; the last line is the runner's summary.
# Helpers the shell tests use.
TOOLS := build/tests/tools/rrd_stat
build/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

test-deps: deps
	$(call install_missing,$(TEST_DEBS))

test: test-deps check-layers
	$(MAKE) all $(UNIT_TESTS) $(INTEG_TESTS) $(TOOLS) $(TEST_JAVA)
	$(MAKE) fuzz FUZZ_SECONDS=3
	tests/run-tests.sh $(UNIT_TESTS) $(INTEG_TESTS) $(SHELL_TESTS)

# Fuzzing (tests/fuzz/): one libFuzzer binary per parser of text that
# comes from outside, built with clang (libFuzzer is clang's) into its own
# objects, and run for FUZZ_SECONDS each, one after the other (-workers=1:
# the lab hosts are shared).  Seeds are tests/fuzz/<target>/; what a run
# finds goes to build/fuzz/corpus/<target>/ and, for a crash, the input to
# build/fuzz/crash/<target>-*.  A crash fails the target.
FUZZ_CC := clang-14
FUZZ_SECONDS ?= 30
# clang's -Wformat=2 also warns of the vsnprintf() in strbuf_vaddf(), which
# gcc knows is a format passed on.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Wno-format-nonliteral
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out \
	tests/fuzz/fuzz_util.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_OBJS := $(PT_SRCS:%.c=build/fuzz/%.o) build/fuzz/tests/fuzz/fuzz_util.o

# Said once, before the first object, rather than as a compiler error.
fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: no $(FUZZ_CC):" \
		"apt-get install clang-14 (sudo make test installs it)" >&2; exit 3; }

$(FUZZ_OBJS): | fuzz-cc

build/fuzz/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-O1 -c -o $@ $<

build/fuzz/libperftests.a: $(FUZZ_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libperftests.a
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -O1 \
		-o $@ $< build/fuzz/libperftests.a $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@mkdir -p build/fuzz/crash
	@failed=; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t; \
		if build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-workers=1 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crash/$$t- \
			build/fuzz/corpus/$$t tests/fuzz/$$t >build/fuzz/$$t.log 2>&1; \
		then \
			echo "fuzz: $$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' \
				build/fuzz/$$t.log) runs in $(FUZZ_SECONDS) s, nothing found"; \
		else \
			grep -E -B2 -A10 '^==[0-9]+==ERROR|runtime error' \
				build/fuzz/$$t.log | head -n 30; \
			echo "fuzz: $$t: FAILED, the input is in build/fuzz/crash/$$t-*," \
				"the log in build/fuzz/$$t.log"; \
			failed="$$failed $$t"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi

# Benchmarks: figures against the peers (trafgen, nping), not pass/fail.
BENCH_DEBS := netsniff-ng nmap
BENCHES := $(patsubst tests/bench/%.c,build/tests/bench/%,$(wildcard tests/bench/bench_*.c))
BENCH_SCRIPTS := $(wildcard tests/bench/bench_*.sh)

build/tests/bench/%: tests/bench/%.c build/libperftests.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/libperftests.a $(LDLIBS)

bench: deps
	$(call install_missing,$(BENCH_DEBS))
	$(MAKE) perftests $(BENCHES)
	@for b in $(BENCHES) $(BENCH_SCRIPTS); do $$b || exit $$?; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 perftests $(DESTDIR)$(PREFIX)/bin/perftests
	cp -r profiles.d $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/topologies
	install -m 0755 topologies/*.sh $(DESTDIR)$(DATADIR)/topologies/
	if [ -d build/jmx ]; then install -d $(DESTDIR)$(DATADIR)/jmx && \
		install -m 0644 build/jmx/*.class $(DESTDIR)$(DATADIR)/jmx/; fi
	install -m 0644 harness/perftests.1 $(DESTDIR)$(PREFIX)/share/man/man1/perftests.1

# The report server (README "The report server"): perftests, nginx, the
# nginx site and the systemd unit of `perftests site watch` from
# report/server/, then (without DESTDIR) the user, folders and services.
SRV ?= /srv/perftests
PORT ?= 80
install-server: deps
	$(call install_missing,nginx)
	$(MAKE) install
	install -d $(DESTDIR)/etc/nginx/sites-available $(DESTDIR)/etc/systemd/system
	sed -e 's|@SRV@|$(SRV)|g' -e 's|@PORT@|$(PORT)|g' report/server/perftests-site.nginx \
		>$(DESTDIR)/etc/nginx/sites-available/perftests
	sed -e 's|@SRV@|$(SRV)|g' -e 's|@BINDIR@|$(PREFIX)/bin|g' report/server/perftests-site.service \
		>$(DESTDIR)/etc/systemd/system/perftests-site.service
	if [ -z "$(DESTDIR)" ]; then report/server/setup.sh $(SRV); fi

# The layering rule of DESIGN.md: each room includes only the rooms it may.
check-layers:
	@tests/tools/check-layers.sh

# Header dependencies written by -MMD: one header edit rebuilds what uses it.
-include $(shell find build -name '*.d' 2>/dev/null)

clean:
	rm -rf build perftests
