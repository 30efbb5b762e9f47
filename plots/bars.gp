# One bar per implementation (median) with its 95% CI as an error bar.
# datafile columns: label, median, ci_low, ci_high. Used for ns/op and for
# Jain's fairness index. Variables: title, ylabel, ymax (optional), logy.
load dir."/common.gp"
set title title noenhanced
set xlabel "implementation"
set ylabel ylabel noenhanced
set style fill solid 0.75 border lc rgb "#333333"
set boxwidth 0.6
set xtics rotate by -30 noenhanced
set yrange [0:*]
if (exists("ymax")) set yrange [0:ymax]
if (exists("logy") && logy) { set logscale y 10; set yrange [*:*]; set format y "%.1s%c" }
set key outside right top noenhanced box lc rgb "#aaaaaa"
plot datafile using 0:2:xtic(1) with boxes lc rgb "#4878a8" title "median", \
     "" using 0:2:3:4 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 title "95% CI of the median"
