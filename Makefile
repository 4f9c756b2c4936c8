# Makefile for the ctem PostgreSQL extension (PGXS)

EXTENSION = ctem
MODULE_big = ctem
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

OBJS = \
	src/ctem.o \
	src/asset.o \
	src/asset_ref.o \
	src/cvss.o \
	src/cvss_core.o \
	src/exposure.o \
	src/history.o \
	src/ingest.o \
	src/intel.o \
	src/intel_core.o \
	src/keys_core.o \
	src/score.o \
	src/score_core.o \
	src/sha256_core.o \
	$(patsubst %.c,%.o,$(sort $(wildcard src/report*.c)))

DATA = $(wildcard sql/ctem--*.sql)
DOCS = $(wildcard docs/*.md)

PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags jansson)
# Calls between ctem's own functions bind inside ctem.so, as PostgreSQL 16
# builds modules (-fvisibility=hidden): no PLT stub per call between files,
# and the compiler may inline an exported function into its own file.
PG_CFLAGS = -fno-semantic-interposition
SHLIB_LINK = $(shell pkg-config --libs jansson) -Wl,-Bsymbolic

REGRESS = store asset_key cvss intel ingest scoring privileges upgrade
REGRESS_OPTS = --load-extension=ctem

ISOLATION = ensure_asset concurrent_ingest asset_reference event_id_restore
ISOLATION_OPTS = --inputdir=test --load-extension=ctem

PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

PG_MAJOR := $(shell $(PG_CONFIG) --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
ifeq ($(shell test $(PG_MAJOR) -ge 15 && echo ok),)
$(error ctem requires PostgreSQL 15 or later (pg_config reports $(PG_MAJOR)))
endif

include $(PGXS)

# PGXS tracks no header dependencies (unless PostgreSQL was configured with
# --enable-depend): a changed header rebuilds every object, so that no object
# keeps an old struct layout
$(OBJS): $(wildcard src/*.h)
