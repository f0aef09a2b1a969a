/*
 * The wake-up datagram from dq-fcgi to dq-dispatcher: "a job in this queue
 * may be due at this time" or "this queue's settings changed".  Sent after
 * the transaction commits, never blocking; if it cannot be sent the
 * dispatcher still finds the work on its next rescan.
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

/* Sender side (dq-fcgi). */
void	wakeup_sender_open(const char *path);
void	wakeup_send(enum wakeup_kind, uint32_t account, const char *queue,
	    int64_t due_ms);

/* Receiver side (dq-dispatcher): a bound, non-blocking socket, or -1. */
int	wakeup_bind(const char *path);
/* One message: 1 read, 0 none left, -1 error. */
int	wakeup_recv(int fd, struct wakeup_msg *);

#endif
