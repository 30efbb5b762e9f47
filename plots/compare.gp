# The change from base to new per benchmark, in percent, on a linear axis
# centred on 0% (no change): one bar per benchmark, grey when the change is
# not confirmed (~), green when better, red when worse, with the
# Hodges-Lehmann 95% interval of the change as an error bar (it crosses 0
# exactly when the test does not reject at the row's Holm level).
# datafile columns: benchmark, change %, ci low %, ci high %, colour (RGB).
# Variables: title, ylabel, span (the axis runs from -span to +span).
load dir."/common.gp"
set title title noenhanced
set xlabel "benchmark (implementation/threads)"
set ylabel ylabel noenhanced
set style fill solid 0.75 border lc rgb "#333333"
set boxwidth 0.6
set xtics rotate by -30 noenhanced
set yrange [-span:span]
set format y "%+g%%"
set xzeroaxis lt 1 lc rgb "#000000" lw 1.5
set key outside right top noenhanced box lc rgb "#aaaaaa"
plot datafile using 0:2:5:xtic(1) with boxes lc rgb variable notitle, \
     "" using 0:2:3:4 with yerrorbars lc rgb "#000000" pt 0 lw 1.5 title "95% CI of the change", \
     NaN with boxes lc rgb "#9a9a9a" title "~ (not confirmed)", \
     NaN with boxes lc rgb "#2f8f4f" title "better", \
     NaN with boxes lc rgb "#c0392b" title "worse"
