/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli - the subcommands of `vigil` beyond main.c, one file each.
 * Each takes argc/argv from the subcommand's name on and returns the
 * process exit status.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

/* vg_cli_learn - `vigil learn` (learn.c) */
int vg_cli_learn(int argc, char **argv);
/* vg_cli_stats - `vigil stats`: the daemon's metrics (stats.c) */
int vg_cli_stats(int argc, char **argv);

#endif /* VG_CLI_H */
