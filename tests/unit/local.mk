# Unit tests: one program per module of common/ (by folder: base, model,
# delivery, ipc, store).
UNIT_TESTS = \
	tests/unit/test_addr \
	tests/unit/test_conf \
	tests/unit/test_cron \
	tests/unit/test_crypto \
	tests/unit/test_deliver \
	tests/unit/test_ids \
	tests/unit/test_job \
	tests/unit/test_jsonw \
	tests/unit/test_keyfile \
	tests/unit/test_jobreq \
	tests/unit/test_num \
	tests/unit/test_rec \
	tests/unit/test_recover \
	tests/unit/test_schedule \
	tests/unit/test_store \
	tests/unit/test_store_concurrency \
	tests/unit/test_store_ops \
	tests/unit/test_utf8 \
	tests/unit/test_writer
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_conf_LDADD = $(UNIT_LIBS)
tests_unit_test_cron_LDADD = $(UNIT_LIBS)
tests_unit_test_crypto_LDADD = $(UNIT_LIBS)
tests_unit_test_deliver_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
tests_unit_test_deliver_LDADD = $(UNIT_LIBS) $(CURL_LIBS)
tests_unit_test_ids_LDADD = $(UNIT_LIBS)
tests_unit_test_job_LDADD = $(UNIT_LIBS)
tests_unit_test_keyfile_LDADD = $(UNIT_LIBS)
tests_unit_test_jobreq_LDADD = $(UNIT_LIBS)
tests_unit_test_jsonw_LDADD = $(UNIT_LIBS)
tests_unit_test_num_LDADD = $(UNIT_LIBS)
tests_unit_test_store_LDADD = $(UNIT_LIBS)
tests_unit_test_store_concurrency_LDADD = $(UNIT_LIBS)
tests_unit_test_store_ops_LDADD = $(UNIT_LIBS)
tests_unit_test_addr_LDADD = $(UNIT_LIBS)
tests_unit_test_rec_LDADD = $(UNIT_LIBS)
tests_unit_test_recover_LDADD = $(UNIT_LIBS)
tests_unit_test_writer_LDADD = $(UNIT_LIBS)
tests_unit_test_schedule_LDADD = $(UNIT_LIBS)
tests_unit_test_utf8_LDADD = $(UNIT_LIBS)

# The layout rule of the store (Berkeley DB only in common/store/), checked
# on the sources.
TESTS += tests/unit/test_layout.py
EXTRA_DIST += tests/unit/test_layout.py

# doc/INTERNALS.md against the sources (its files, functions and constants
# exist), and no source comment naming a file outside the tree or one gone.
TESTS += tests/unit/test_internals_doc.py
EXTRA_DIST += tests/unit/test_internals_doc.py tests/unit/srccheck.py
