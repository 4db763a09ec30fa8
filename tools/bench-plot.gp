# tools/bench-plot.gp - the book's plot of what batching buys: the cost of
# one io_uring NOP against how many NOPs share an io_uring_enter, ours and
# Linux's, on a log-2 axis. tools/bench.py runs it with gnuplot, setting:
#   datafile  the data it wrote from the measured files: "batch ours linux"
#             lines, "?" where Linux was not measured
#   outfile   the SVG to write
#   ours      the label of our line (e.g. "chapter 06")
#   linux     the label of Linux's line, or "" to draw ours alone
set terminal svg size 640,380 noenhanced font "sans,12" background "#ffffff"
set output outfile
set datafile missing "?"
set logscale x 2
set xrange [0.7:370]
set xtics ("1" 1, "8" 8, "32" 32, "256" 256)
set yrange [0:*]
set xlabel "NOPs per io_uring_enter"
set ylabel "instructions per NOP"
set grid ytics lc rgb "#dddddd"
set key top right box opaque
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 0.8
if (strlen(linux) > 0) {
    plot datafile using 1:2 with linespoints ls 1 title ours, \
         datafile using 1:3 with linespoints ls 2 title linux
} else {
    plot datafile using 1:2 with linespoints ls 1 title ours
}
