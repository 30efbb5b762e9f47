# Base against new per benchmark: new/base ratio of the medians would hide
# the scale, so both medians are drawn side by side with their 95% CIs, on a
# log axis. datafile columns: benchmark, base median, base lo, base hi,
# new median, new lo, new hi. Variables: title, ylabel.
load dir."/common.gp"
set title title noenhanced
set xlabel "benchmark"
set ylabel ylabel noenhanced
set style fill solid 0.75 border lc rgb "#333333"
set boxwidth 0.36
set xtics rotate by -30 noenhanced
set logscale y 10
set format y "%.1s%c"
set key outside right top noenhanced box lc rgb "#aaaaaa"
plot datafile using ($0-0.19):2:xtic(1) with boxes lc rgb "#9a9a9a" title "base", \
     "" using ($0-0.19):2:3:4 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 notitle, \
     "" using ($0+0.19):5 with boxes lc rgb "#d07a28" title "new", \
     "" using ($0+0.19):5:6:7 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 title "95% CI"
