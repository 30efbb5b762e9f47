# A metric against threads, one line per implementation with the 95% CI of
# the median as error bars. x is logarithmic with a tick at each measured
# thread count (xt: '"1" 1, "16" 16, "10k" 10000'). datafile: one block
# per implementation (blocks separated by two blank lines), first line of a
# block = its name; columns: threads, median, ci_low, ci_high.
# nblocks = number of blocks; xlo, xhi: the x range; dts (optional): a
# dash type per block, space-separated ("1 2 4": solid, dashed, dash-dot),
# which tells seed designs, library peers and published designs apart.
load dir."/common.gp"
if (!exists("ylabel")) ylabel = "throughput (ops/s; median, 95% CI)"
if (!exists("title")) title = "Throughput against threads"
set title title noenhanced
set xlabel "threads (log scale; a tick at each count measured)"
set ylabel ylabel noenhanced
set logscale x 10
if (exists("xt")) { eval "set xtics (".xt.")" }
set logscale y 10
set format y "%.1s%c"
set key outside right top vertical Left reverse noenhanced box lc rgb "#aaaaaa"
if (exists("xlo") && exists("xhi")) { set xrange [xlo:xhi] }
set pointsize 1.2
if (!exists("dts")) dts = ""
dtw(i) = (i < words(dts)) ? int(word(dts, i+1)) : 1
plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines lt (i+1) \
     dt dtw(i) title columnheader(1)
