# A metric across runs (oldest left), one line per implementation with the
# 95% CI of each run's median as a band; vertical dashed lines mark runs
# whose kernel or compiler differs from the run before. Variables from
# `contend history plot` (gnuplot -e): datafile (TSV: one block per
# implementation, blocks separated by two blank lines, first line its name;
# columns: run position, median, ci_low, ci_high, commit), nblocks, title,
# ylabel, caption, marks (run positions, space-separated), marklabels.
load dir."/common.gp"
set title title noenhanced
set xlabel "runs, oldest first (build commit)"
set ylabel ylabel noenhanced
set format y "%.1s%c"
set key outside right top vertical Left reverse noenhanced box lc rgb "#aaaaaa"
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
set xtics rotate by -45 font ",9" noenhanced
set style fill transparent solid 0.18 noborder
if (!exists("marks")) marks = ""
if (!exists("marklabels")) marklabels = ""
do for [i=1:words(marks)] {
    x = word(marks, i) + 0
    set arrow i from x, graph 0 to x, graph 1 nohead dt 2 lw 1.5 lc rgb "#aa3333"
    set label i word(marklabels, i) at x, graph 0.98 right rotate by 90 offset -0.6,0 \
        font ",9" tc rgb "#aa3333" noenhanced
}
plot for [i=0:nblocks-1] datafile index i using 1:3:4 with filledcurves lc (i+1) notitle, \
     for [i=0:nblocks-1] datafile index i using 1:2:xtic(5) with linespoints lw 2 lc (i+1) \
         pt (i%7)+4 title columnheader(1)
