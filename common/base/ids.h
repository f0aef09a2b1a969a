/*
 * Identifiers and secrets from the OS CSPRNG (getrandom): job_/sch_/req_
 * ids in base62, API keys "dq_" + 32 base62 characters, signing secrets
 * "whsec_" + base64 of 32 random bytes.
 */
#ifndef DQ_IDS_H
#define DQ_IDS_H

#include <stddef.h>

#define ID_JOB_LEN	20	/* "job_" + 16 */
#define ID_SCHED_LEN	20	/* "sch_" + 16 */
#define ID_REQ_LEN	24	/* "req_" + 20 */
#define ID_KEY_LEN	35	/* "dq_" + 32 */
#define ID_SECRET_LEN	50	/* "whsec_" + 44 */

/* Fill buf (size n) with random bytes; 0 or -1 (errno set). */
int	ids_random(void *buf, size_t n);
/* prefix + nchars random base62 characters into out (size >= len+1). */
int	ids_new(const char *prefix, size_t nchars, char *out, size_t outsz);
int	ids_new_job(char out[ID_JOB_LEN + 1]);
int	ids_new_sched(char out[ID_SCHED_LEN + 1]);
int	ids_new_req(char out[ID_REQ_LEN + 1]);
int	ids_new_api_key(char out[ID_KEY_LEN + 1]);
int	ids_new_secret(char out[ID_SECRET_LEN + 1]);
/* Does s look like prefix + nchars base62 characters? */
int	ids_valid(const char *s, const char *prefix, size_t nchars);

#endif
