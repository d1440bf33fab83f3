# bench/plot.gp -- the concurrency sweep of `make bench`, requests/s and p99
# against wrk's connections, ours beside the ceiling. scripts/bench passes
# term, out, dat (the folder of the .dat files: concurrency, requests/s, p99)
# and title with gnuplot -e.
set terminal @term
set output out
set termoption noenhanced
set multiplot layout 2,1 title title
set logscale x 2
set xrange [0.8:80]
set xtics (1, 2, 4, 8, 16, 32, 64)
set xlabel 'concurrent connections (wrk -c)'
set grid
set key top left
set ylabel 'requests/s'
set yrange [0:*]
plot dat.'ceiling_root.dat' using 1:2 with linespoints lw 2 title 'ceiling GET /', \
     dat.'ours_root.dat' using 1:2 with linespoints lw 2 title 'ours GET /', \
     dat.'ceiling_users100.dat' using 1:2 with linespoints lw 2 title 'ceiling GET /users/?limit=100', \
     dat.'ours_users100.dat' using 1:2 with linespoints lw 2 title 'ours GET /users/?limit=100'
set ylabel 'p99 latency (ms)'
set logscale y 10
set yrange [*:*]
plot dat.'ceiling_root.dat' using 1:3 with linespoints lw 2 title 'ceiling GET /', \
     dat.'ours_root.dat' using 1:3 with linespoints lw 2 title 'ours GET /', \
     dat.'ceiling_users100.dat' using 1:3 with linespoints lw 2 title 'ceiling GET /users/?limit=100', \
     dat.'ours_users100.dat' using 1:3 with linespoints lw 2 title 'ours GET /users/?limit=100'
unset multiplot
