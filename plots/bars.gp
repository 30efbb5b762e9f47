# One bar per implementation (median) with its 95% CI as an error bar.
# datafile columns: label, median, ci_low, ci_high. Used for ns/op and for
# Jain's fairness index. Variables: title, subtitle, ylabel, ymin and ymax
# (optional), yt (y ticks, '"1/16" 0.0625, "1" 1'), logy (log y axis),
# labels (write each median above its bar).
load dir."/common.gp"
if (strlen(subtitle) > 0) { set title title."\n".subtitle noenhanced } else { set title title noenhanced }
set xlabel "implementation"
set ylabel ylabel noenhanced
set style fill solid 0.75 border lc rgb "#333333"
set boxwidth 0.6
set xtics rotate by -30 noenhanced
set yrange [0:*]
if (exists("logy") && logy) { set logscale y 10; set yrange [*:*]; set format y "%.1s%c" }
if (exists("ymin") && exists("ymax")) { set yrange [ymin:ymax]; set format y "%g" }
if (exists("yt")) { eval "set ytics (".yt.")" }
set key outside right top noenhanced box lc rgb "#aaaaaa"
if (exists("labels") && labels) {
    plot datafile using 0:2:xtic(1) with boxes lc rgb "#0072b2" title "median", \
         "" using 0:2:3:4 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 title "95% CI of the median", \
         "" using 0:($4*1.3):(sprintf("%.3g", $2)) with labels font "Sans,11" notitle
} else {
    plot datafile using 0:2:xtic(1) with boxes lc rgb "#0072b2" title "median", \
         "" using 0:2:3:4 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 title "95% CI of the median"
}
