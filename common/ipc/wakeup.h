/*
 * The wake-up datagram from dq-fcgi to dq-dispatcher: "a job in this queue
 * may be due at this time" or "this queue's settings changed".  Sent after
 * the transaction commits, never blocking; if it cannot be sent the
 * dispatcher still finds the work on its next rescan.
 *
 * Most are not needed: during a burst the dispatcher already knows a queue
 * has work.  It publishes, in a table shared through data_dir/wakeup.map,
 * the earliest due time it knows of for each queue, clears a queue's entry
 * before it scans that queue's due index and publishes again after.  A
 * sender, after its commit, skips the datagram when the entry promises a
 * look at the queue no later than its job is due: if it read the entry
 * before the clear, the scan that follows sees its job; if after, it sends.
 */
#ifndef DQ_WAKEUP_H
#define DQ_WAKEUP_H

#include <stdint.h>

#include "job.h"

enum wakeup_kind {
	WAKEUP_JOB = 'J',	/* a pending job; due_ms says when */
	WAKEUP_QUEUE = 'Q',	/* queue settings changed */
	WAKEUP_SCHEDULE = 'S'	/* a schedule was created or changed */
};

struct wakeup_msg {
	enum wakeup_kind kind;
	uint32_t	 account;
	int64_t		 due_ms;
	char		 queue[JOB_QUEUE_MAX + 1];
};

/* The shared table of known due times; both sides open it. */
int	wakeup_map_open(const char *data_dir);

/* Sender side (dq-fcgi). */
void	wakeup_sender_open(const char *path);
void	wakeup_send(enum wakeup_kind, uint32_t account, const char *queue,
	    int64_t due_ms);

/* Receiver side (dq-dispatcher): publish the earliest known due time of a
 * queue (0: none known, announce everything); forget the whole table. */
void	wakeup_publish(uint32_t account, const char *queue, int64_t due_ms);
void	wakeup_publish_reset(void);
/* A bound, non-blocking socket, or -1. */
int	wakeup_bind(const char *path);
/* One message: 1 read, 0 none left, -1 error. */
int	wakeup_recv(int fd, struct wakeup_msg *);

#endif
