# Makefile for the ctem PostgreSQL extension (PGXS)
#
# The C code lives in src/ by CTEM stage (docs/architecture.md has the map);
# the install script sql/ctem--$(EXTVERSION).sql is built from the schema's
# source in sql/src/, one file per stage, in file-name order (as pg_partman
# builds its script).  Upgrade steps sql/ctem--A--B.sql are written by hand.

EXTENSION = ctem
MODULE_big = ctem
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

# pure C cores: no PostgreSQL header (test/layers.py checks it)
CORE_OBJS = \
	src/core/cvss_core.o \
	src/core/intel_core.o \
	src/core/keys_core.o \
	src/core/score_core.o \
	src/core/json/json_reader.o \
	src/core/graph/graph_core.o \
	src/core/scope_core.o \
	$(patsubst %.c,%.o,$(sort $(wildcard src/core/report/*.c)))

OBJS = \
	src/ctem.o \
	src/guc.o \
	src/common/common.o \
	src/common/encoding.o \
	src/common/share.o \
	src/common/restore.o \
	src/common/tenant.o \
	src/store/asset.o \
	src/store/asset_ref.o \
	src/store/cvss.o \
	src/store/identity.o \
	src/prioritize/score.o \
	src/prioritize/context.o \
	src/discover/exposure.o \
	src/discover/ingest.o \
	src/discover/intel.o \
	src/mobilize/history.o \
	src/mobilize/outbox.o \
	src/mobilize/workflow.o \
	src/validate/graph.o \
	src/validate/graph_edge.o \
	src/validate/graph_log.o \
	src/validate/path_refresh.o \
	src/validate/graph_sql.o \
	src/scope/scope.o \
	src/scope/routing.o \
	$(CORE_OBJS)

SCHEMA_SRC = $(sort $(wildcard sql/src/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
DOCS = $(wildcard docs/*.md)

PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags jansson)
# Calls between ctem's own functions bind inside ctem.so, as PostgreSQL 16
# builds modules (-fvisibility=hidden): no PLT stub per call between files,
# and the compiler may inline an exported function into its own file.
override PG_CFLAGS += -fno-semantic-interposition
SHLIB_LINK = $(shell pkg-config --libs jansson) -Wl,-Bsymbolic

REGRESS = store asset_key cvss intel ingest fidelity scoring policy_rescore attack_paths scoping workflow outbox privileges security input_checks upgrade
REGRESS_OPTS = --inputdir=test --load-extension=ctem

ISOLATION = ensure_asset concurrent_ingest asset_reference event_id_restore graph_cache context_during_write deadlock_order outbox_claim
ISOLATION_OPTS = --inputdir=test --load-extension=ctem

PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

PG_MAJOR := $(shell $(PG_CONFIG) --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
ifeq ($(shell test $(PG_MAJOR) -ge 15 && echo ok),)
$(error ctem requires PostgreSQL 15 or later; $(PG_CONFIG) reports $(PG_MAJOR): set PG_CONFIG to the pg_config of PostgreSQL 15, 17 or 18)
endif

include $(PGXS)

$(DATA_built): $(SCHEMA_SRC) $(EXTENSION).control
	cat $(SCHEMA_SRC) > $@

# PGXS tracks no header dependencies (unless PostgreSQL was configured with
# --enable-depend): a changed header rebuilds every object, so that no object
# keeps an old struct layout
$(OBJS): $(wildcard src/*.h src/*/*.h src/*/*/*.h)
