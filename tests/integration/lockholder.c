/*
 * A test helper: open the store, take the locks that every create needs
 * (the writer lock, as store_txn() takes it, then the newest end of the job
 * table and a counter) in a transaction that never ends, say "holding",
 * and wait to be killed.  test_stuck.py kills it
 * with SIGKILL, as if a dq process died in the middle of a transaction.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "store_int.h"

int
main(int argc, char **argv)
{
	unsigned char key[JOB_KEY_LEN], dim[KEY_MAX];
	struct dq_conf c;
	struct store *st;
	DB_TXN *txn;
	char err[512];
	size_t dl;

	if (argc != 2 || conf_load(&c, argv[1], err, sizeof(err)) == -1 ||
	    store_open(&st, &c, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "lockholder: %s\n", argc == 2 ? err : "usage: lockholder CONF");
		return 1;
	}
	if (store_writer_lock(st) != 0 ||
	    st->env->txn_begin(st->env, NULL, &txn, 0) != 0)
		return 1;
	memset(key, 0xff, sizeof(key));		/* after every real job */
	dl = key_dim(dim, sizeof(dim), 1, DIM_STATUS, NULL, NULL, JOB_PENDING);
	if (store_put(st, txn, DBI_JOBS, key, sizeof(key), "x", 1) != 0 ||
	    store_count_write_now(st, txn, dim, dl, 0) != 0)
		return 1;
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}
