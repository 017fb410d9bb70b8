# promstat mcid-change chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,600 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'mcid-change-hostile.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'tab here  bad?? utf8' font ',13'
set xlabel 'Improvement (points)'
set ylabel 'Share of the group (%)'
set grid ytics lc rgb '#E0E0E0'
set xrange [-5:8]
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set key top left box opaque
bw = 1
bin(x) = bw * floor(x / bw + 0.5)
set boxwidth bw * 0.9 absolute
$g0 << EOD
2
2
3
3
3
4
5
7
EOD
$g1 << EOD
-1
0
0
1
1
2
EOD
$g2 << EOD
-4
-3
-2
-2
EOD
set arrow 1 from first 1.5, graph 0 to first 1.5, graph 1 nohead lw 2 dt 1 lc rgb '#0072B2' front
set arrow 2 from first 1.68, graph 0 to first 1.68, graph 1 nohead lw 2 dt 2 lc rgb '#CC79A7' front
set arrow 3 from first 1.6, graph 0 to first 1.6, graph 1 nohead lw 2 dt 4 lc rgb '#E69F00' front
set arrow 4 from first 2, graph 0 to first 2, graph 1 nohead lw 2 dt 3 lc rgb '#000000' front
plot $g0 using (bin($1)):(100.0 / 8) smooth frequency with boxes fs transparent solid 0.45 noborder lc rgb '#009E73' title '`touch pwned` (n = 8)', \
     $g1 using (bin($1)):(100.0 / 6) smooth frequency with boxes fs transparent solid 0.45 noborder lc rgb '#999999' title 'x''; system(''touch PWNED''); '' (n = 6)', \
     $g2 using (bin($1)):(100.0 / 4) smooth frequency with boxes fs transparent solid 0.45 noborder lc rgb '#D55E00' title 'a system("touch PWNED2") (n = 4)', \
     keyentry with lines lw 2 dt 1 lc rgb '#0072B2' title 'EOD', \
     keyentry with lines lw 2 dt 2 lc rgb '#CC79A7' title '@var', \
     keyentry with lines lw 2 dt 4 lc rgb '#E69F00' title '"; system("touch PWNED3"); "', \
     keyentry with lines lw 2 dt 3 lc rgb '#000000' title '{/:Bold ^2_x} & <b> ~a \'
unset output
