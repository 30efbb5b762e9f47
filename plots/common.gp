# Shared by every plot: the terminal (by the output's extension), fonts,
# grid and the machine caption. Variables come from `gnuplot -e`:
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
