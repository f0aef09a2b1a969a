# The libFuzzer harnesses, built with clang whatever compiler ./configure
# chose (a plain GNU make file, run by build.sh; not part of automake's
# build).  common/ and the FastCGI-free part of fcgi/ are compiled with the
# sanitizers and fuzzer instrumentation; each harness links what it uses.
SRC ?= ../..
OUT ?= build-fuzz
CC = clang
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer $(SAN) -fsanitize=fuzzer-no-link \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wformat=2 \
	-Wno-unused-parameter -Werror
CPPFLAGS = -I$(OUT) $(patsubst %,-I%,$(wildcard $(SRC)/common/*/)) -I$(SRC)/fcgi -I$(SRC)/tests/fuzz \
	$(shell pkg-config --cflags jansson) -MMD -MP
LDFLAGS = $(SAN) -fsanitize=fuzzer
LIBS = $(shell pkg-config --libs jansson libcrypto) -ldb-5.3 -lpthread -lm

HARNESSES = jobreq query cron tz num conf router
# Every fcgi/ file but the process and FastCGI plumbing, so a new handler
# module is linked without a change here; the OpenAPI document dq-fcgi
# serves is made here from openapi.yaml, as the build does (an in-place
# build may have left its own fcgi/openapi_json.c).
FCGI = $(filter-out main master worker openapi_json,$(basename $(notdir $(wildcard $(SRC)/fcgi/*.c))))

LIB_OBJS = $(patsubst $(SRC)/%.c,$(OUT)/obj/%.o,$(wildcard $(SRC)/common/*/*.c)) \
	$(patsubst %,$(OUT)/obj/fcgi/%.o,$(FCGI)) $(OUT)/obj/tests/fuzz/fuzz.o \
	$(OUT)/obj/openapi_json.o

all: $(patsubst %,$(OUT)/fuzz_%,$(HARNESSES))

$(OUT)/libdqfuzz.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(OUT)/fuzz_%: $(OUT)/obj/tests/fuzz/fuzz_%.o $(OUT)/libdqfuzz.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(OUT)/obj/%.o: $(SRC)/%.c $(OUT)/config.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/openapi.json: $(SRC)/openapi.yaml $(SRC)/fcgi/openapi_embed.py
	python3 $(SRC)/fcgi/openapi_embed.py json $< $@ fuzz

$(OUT)/openapi_json.c: $(OUT)/openapi.json
	python3 $(SRC)/fcgi/openapi_embed.py c $< $@

$(OUT)/obj/openapi_json.o: $(OUT)/openapi_json.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

.PRECIOUS: $(OUT)/obj/%.o
-include $(LIB_OBJS:.o=.d) $(patsubst %,$(OUT)/obj/tests/fuzz/fuzz_%.d,$(HARNESSES))
