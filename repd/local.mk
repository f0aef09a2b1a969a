# dq-repd: runs Berkeley DB's replication manager for a member of a group.
sbin_PROGRAMS += repd/dq-repd
repd_dq_repd_SOURCES = repd/group.c repd/main.c repd/repd.h
repd_dq_repd_LDADD = $(DQ_COMMON_LIBS)
