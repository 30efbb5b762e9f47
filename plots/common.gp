# Shared by every plot: the terminal (by the output's extension), fonts,
# grid, colours and the machine caption. Variables come from `gnuplot -e`:
#   datafile (TSV written by contend), out (.png or .svg), caption (machine).
if (!exists("caption")) caption = ""
if (!exists("subtitle")) subtitle = ""
if (out[strlen(out)-2:] eq "svg") {
    set terminal svg size 900,560 dynamic enhanced font "Sans,13" background rgb "white"
} else {
    set terminal pngcairo size 1100,680 enhanced font "Sans,13" background rgb "white"
}
set output out
set datafile separator "\t"
set grid ytics lc rgb "#d0d0d0" lw 1 dt 1
set border 3
set tics nomirror
set bmargin 7
set label 99 caption at screen 0.01, 0.025 left font "Sans,10" tc rgb "#555555" noenhanced
# Line colours readable on white (Okabe-Ito without its yellow, then two
# greys and a brown); points differ too, for print and colour blindness.
set linetype 1 lc rgb "#0072b2" lw 2 pt 5
set linetype 2 lc rgb "#d55e00" lw 2 pt 7
set linetype 3 lc rgb "#009e73" lw 2 pt 9
set linetype 4 lc rgb "#cc79a7" lw 2 pt 11
set linetype 5 lc rgb "#56b4e9" lw 2 pt 13
set linetype 6 lc rgb "#e69f00" lw 2 pt 4
set linetype 7 lc rgb "#000000" lw 2 pt 6
set linetype 8 lc rgb "#7f7f7f" lw 2 pt 8
set linetype 9 lc rgb "#8c564b" lw 2 pt 10
set linetype cycle 9
