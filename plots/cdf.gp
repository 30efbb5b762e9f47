# Sampled latency as a CDF, one line per implementation: x is the latency
# (log scale), y the percentile on a "nines" axis (p50, p90, p99, p99.9,
# then the maximum), each point the median over the trials. datafile: one
# block per implementation (blocks separated by two blank lines), first line
# of a block = its name; columns: ns, nines (-log10(1 - p); 4 for the max).
# nblocks = number of blocks.
load dir."/common.gp"
if (!exists("title")) title = "Latency CDF"
set title title noenhanced
set xlabel "latency (ns, log scale; median over the trials)"
set ylabel "percentile (nines)"
set logscale x 10
set format x "%.0s%c"
set grid xtics lc rgb "#d0d0d0" lw 1 dt 1
set ytics ("p50" 0.30103, "p90" 1, "p99" 2, "p99.9" 3, "max" 4)
set yrange [0:4.3]
set key outside right top vertical Left reverse noenhanced box lc rgb "#aaaaaa"
set pointsize 1.2
plot for [i=0:nblocks-1] datafile index i using 1:2 with linespoints lt (i+1) \
     title columnheader(1)
