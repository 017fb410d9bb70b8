# promstat trajectory chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,620 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'trajectory-small-n.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set multiplot title 'PAIN_NRS: mean improvement from baseline by therapy and age band' font ',13'
set xrange [-0.4:2.4]
set yrange [-0.3948615772:5.330631292]
set xtics ('6 weeks' 0, '3 months' 1, '12 months' 2)
set grid ytics lc rgb '#E0E0E0'
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#999999' back
set arrow 2 from graph 0, first 2 to graph 1, first 2 nohead dt 2 lw 1.5 lc rgb '#333333' front
unset key
set tmargin at screen 0.86
set bmargin at screen 0.20
set lmargin at screen 0.0800
set rmargin at screen 0.3667
set title '18-44'
set ylabel 'Mean improvement (points) with 95% CI'
set format y '%g'
$p0t0 << EOD
-0.07 0.96 0.4033231937 1.516676806
0.93 2.05 1.42761641 2.67238359
1.93 2.5 1.781333333 3.218666667
EOD
$p0t1 << EOD
0 1.44 0.9051622245 1.974837776
1 2.6 2.007701248 3.192298752
2 2.8 2.126578739 3.473421261
EOD
$p0t2 << EOD
0.07 1.86 1.344617424 2.375382576
1.07 3.7 3.133806662 4.266193338
2.07 4.3 3.664230285 4.935769715
EOD
plot $p0t0 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#0072B2' notitle, \
     $p0t1 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#E69F00' notitle, \
     $p0t2 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#009E73' notitle
set lmargin at screen 0.3867
set rmargin at screen 0.6733
set title '45-64'
unset ylabel
set format y ''
$p1t0 << EOD
-0.07 0.66 0.06203318847 1.257966812
0.93 1.75 1.068212936 2.431787064
1.93 2.2 1.385108596 3.014891404
EOD
$p1t1 << EOD
0 1.14 0.5688616476 1.711138352
1 2.3 1.657204992 2.942795008
2 2.5 1.749377148 3.250622852
EOD
$p1t2 << EOD
0.07 1.56 1.012375452 2.107624548
1.07 3.4 2.790191112 4.009808888
2.07 4 3.300501232 4.699498768
EOD
plot $p1t0 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#0072B2' notitle, \
     $p1t1 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#E69F00' notitle, \
     $p1t2 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#009E73' notitle
set lmargin at screen 0.6933
set rmargin at screen 0.9800
set title '65+'
unset ylabel
set format y ''
$p2t0 << EOD
-0.07 0.36 0.36 0.36
0.93 1.45 1.45 1.45
1.93 1.9 1.9 1.9
EOD
$p2t0c << EOD
# CI -4.015544058 to 6.915544058
0.93 1.45 -1.844861577
0.93 1.45 3.880631292
# CI -17.86589728 to 21.66589728
1.93 1.9 -2.294861577
1.93 1.9 3.430631292
EOD
$p2t1 << EOD
0 0.84 0.84 0.84
1 2 2 2
2 2.2 2.2 2.2
EOD
$p2t1c << EOD
# CI -18.92589728 to 20.60589728
0 0.84 -1.234861577
0 0.84 4.490631292
# CI -3.465544058 to 7.465544058
1 2 -2.394861577
1 2 3.330631292
# CI -17.56589728 to 21.96589728
2 2.2 -2.594861577
2 2.2 3.130631292
EOD
$p2t2 << EOD
0.07 1.26 1.26 1.26
1.07 3.1 3.1 3.1
2.07 3.7 3.7 3.7
EOD
$p2t2c << EOD
# CI -18.50589728 to 21.02589728
0.07 1.26 -1.654861577
0.07 1.26 4.070631292
# CI -2.365544058 to 8.565544058
1.07 3.1 -3.494861577
1.07 3.1 2.230631292
# CI -16.06589728 to 23.46589728
2.07 3.7 -4.094861577
2.07 3.7 1.630631292
EOD
plot $p2t0 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#0072B2' notitle, \
     $p2t0c using 1:2:(0):3 with vectors head filled size screen 0.012,25 lw 2 lc rgb '#0072B2' notitle, \
     $p2t1 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#E69F00' notitle, \
     $p2t1c using 1:2:(0):3 with vectors head filled size screen 0.012,25 lw 2 lc rgb '#E69F00' notitle, \
     $p2t2 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb '#009E73' notitle, \
     $p2t2c using 1:2:(0):3 with vectors head filled size screen 0.012,25 lw 2 lc rgb '#009E73' notitle
unset title
unset arrow
unset border
unset tics
unset grid
unset ylabel
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.1
set bmargin at screen 0.01
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse samplen 3 width 2
plot NaN notitle, \
     keyentry with linespoints lw 2 pt 7 ps 0.9 lc rgb '#0072B2' title 'Physiotherapy (n = 1–60)', \
     keyentry with linespoints lw 2 pt 7 ps 0.9 lc rgb '#E69F00' title 'Injection (n = 2–65)', \
     keyentry with linespoints lw 2 pt 7 ps 0.9 lc rgb '#009E73' title 'Surgery (n = 2–70)', \
     keyentry with lines dt 2 lw 1.5 lc rgb '#333333' title 'MCID (2 points)', \
     keyentry with vectors head filled size screen 0.012,25 lw 2 lc rgb '#333333' title 'CI beyond the axis (n < 10)'
unset multiplot
unset output
