# ops/s against threads, log2 x axis, one line per implementation with the
# 95% CI of the median as error bars. datafile: one block per implementation
# (blocks separated by two blank lines), first line of a block = its name;
# columns: threads, median, ci_low, ci_high. nblocks = number of blocks.
load dir."/common.gp"
if (!exists("ylabel")) ylabel = "throughput (ops/s, median, 95% CI)"
if (!exists("title")) title = "Throughput against threads"
set title title noenhanced
set xlabel "threads (log2 scale)"
set ylabel ylabel noenhanced
set logscale x 2
set logscale y 10
set format y "%.1s%c"
set key outside right top vertical Left reverse noenhanced box lc rgb "#aaaaaa"
set offsets graph 0.05, graph 0.05, 0, 0
set pointsize 1.2
plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 pt (i%7)+4 \
     title columnheader(1)
