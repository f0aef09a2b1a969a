/*
 * Which target addresses dq refuses unless allow_private_targets is set
 * (API.md 5): loopback, private, link-local, CGNAT, multicast, unspecified
 * and other special-purpose ranges, for IPv4, IPv6 and IPv4-mapped IPv6.
 */
#ifndef DQ_ADDR_H
#define DQ_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* NULL if the address may be contacted, else why not ("loopback", ...). */
const char	*addr_refusal(const struct sockaddr *);
/* The address as text ("127.0.0.1", "::1"). */
const char	*addr_text(const struct sockaddr *, char *buf, size_t n);

#endif
