/* The subcommands: one line each for `contend --help`, and where each one
 * and its --help live (cmd_<name>.c). */
#include "cli.h"

const struct cli_command cli_commands[] = {
    { "list", "the registered implementations, by family", cmd_list, cmd_list_help },
    { "run", "implementations x thread counts, repeated: throughput, latency, memory", cmd_run,
      cmd_run_help },
    { "reproduce", "reproduce a seed's evolution table and report (snail, taskstore, all)",
      cmd_reproduce, cmd_reproduce_help },
    { "compare", "compare two result files (Mann-Whitney U, Holm; benchstat-like)", cmd_compare,
      cmd_compare_help },
    { "report", "Markdown + HTML report with plots, verdict and A/A noise control", cmd_report,
      cmd_report_help },
    { "export", "a result file as Go benchmark lines, google/benchmark JSON or CSV", cmd_export,
      cmd_export_help },
    { "merge", "result files as one: shards of a run joined, machines side by side", cmd_merge,
      cmd_merge_help },
    { "history", "results across commits (SQLite): add, show, plot, export, detect changes",
      cmd_history, cmd_history_help },
    { "keys", "print a store workload's keys, one per line", cmd_keys, cmd_keys_help },
    { "counters", "which event counters this machine can count, and why not", cmd_counters,
      cmd_counters_help },
    { "stress", "every implementation far past the cores, correctness checks on", cmd_stress,
      cmd_stress_help },
    { NULL, NULL, NULL, NULL }
};
