# dqctl: the admin CLI.
sbin_PROGRAMS += dqctl/dqctl
dqctl_dqctl_SOURCES = dqctl/ctl.h dqctl/ctl_group.c dqctl/ctl_jobs.c dqctl/ctl_ops.c \
	dqctl/ctl_store.c dqctl/dqctl.c
dqctl_dqctl_LDADD = $(DQ_COMMON_LIBS)
