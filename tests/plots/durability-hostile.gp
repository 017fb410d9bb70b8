# promstat durability chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1260,632 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'durability-hostile.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set multiplot title 'tab here  bad?? utf8' font ',13'
set xrange [0:422.24]
set yrange [0:1.02]
set ytics 0,0.25,1
set grid lc rgb '#E0E0E0'
set xtics (0, 42, 90, 180, 365)
set xlabel 'Days since treatment'
set tmargin at screen 0.9
set bmargin at screen 0.3100
set lmargin at screen 0.1000
set rmargin at screen 0.3733
unset label
set title 'EOD'
set ylabel 'Still responding (Kaplan-Meier)'
set format y '%g'
set key at graph 0.03, graph 0.03 left bottom Left reverse font ',9' samplen 2 spacing 0.9
set label 1 'Number at risk' at screen 0.01, screen 0.2250 left font ',9'
set label 2 '`touch pwne…' at screen 0.01, screen 0.1800 left tc rgb '#0072B2' font ',9'
set label 100 '100' at first 0, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 101 '80' at first 42, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 102 '60' at first 90, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 103 '40' at first 180, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 104 '20' at first 365, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 3 'x''; system(…' at screen 0.01, screen 0.1350 left tc rgb '#E69F00' font ',9'
set label 105 '95' at first 0, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 106 '75' at first 42, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 107 '55' at first 90, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 108 '35' at first 180, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 109 '15' at first 365, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 4 'a system("t…' at screen 0.01, screen 0.0900 left tc rgb '#009E73' font ',9'
set label 110 '90' at first 0, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 111 '70' at first 42, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 112 '50' at first 90, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 113 '30' at first 180, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 114 '10' at first 365, screen 0.0900 center tc rgb '#009E73' font ',9'
$c0t0 << EOD
0 1
90 0.9
180 0.81
365 0.729
400 0.6561
EOD
$x0t0 << EOD
200 0.81
EOD
$c0t1 << EOD
0 1
90 0.8
180 0.64
365 0.512
400 0.4096
EOD
$x0t1 << EOD
230 0.64
EOD
$c0t2 << EOD
0 1
90 0.7
180 0.49
365 0.343
400 0.2401
EOD
$x0t2 << EOD
260 0.49
EOD
plot $c0t0 using 1:2 with steps lw 2.2 lc rgb '#0072B2' title '`touch pwned`', \
     $x0t0 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#0072B2' notitle, \
     $c0t1 using 1:2 with steps lw 2.2 lc rgb '#E69F00' title 'x''; system(''touch PWNED''); ''', \
     $x0t1 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#E69F00' notitle, \
     $c0t2 using 1:2 with steps lw 2.2 lc rgb '#009E73' title 'a system("touch PWNED2")', \
     $x0t2 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#009E73' notitle, \
     keyentry with points pt 1 ps 0.9 lw 1.5 lc rgb '#333333' title 'censored (still responding at last visit)'
set lmargin at screen 0.4033
set rmargin at screen 0.6767
unset label
set title '@var'
unset ylabel
set format y ''
unset key
set label 100 '100' at first 0, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 101 '80' at first 42, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 102 '60' at first 90, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 103 '40' at first 180, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 104 '20' at first 365, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 105 '95' at first 0, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 106 '75' at first 42, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 107 '55' at first 90, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 108 '35' at first 180, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 109 '15' at first 365, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 110 '90' at first 0, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 111 '70' at first 42, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 112 '50' at first 90, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 113 '30' at first 180, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 114 '10' at first 365, screen 0.0900 center tc rgb '#009E73' font ',9'
$c1t0 << EOD
0 1
93 0.9
183 0.81
368 0.729
403 0.6561
EOD
$x1t0 << EOD
210 0.81
EOD
$c1t1 << EOD
0 1
93 0.8
183 0.64
368 0.512
403 0.4096
EOD
$x1t1 << EOD
240 0.64
EOD
$c1t2 << EOD
0 1
93 0.7
183 0.49
368 0.343
403 0.2401
EOD
$x1t2 << EOD
270 0.49
EOD
plot $c1t0 using 1:2 with steps lw 2.2 lc rgb '#0072B2' title '`touch pwned`', \
     $x1t0 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#0072B2' notitle, \
     $c1t1 using 1:2 with steps lw 2.2 lc rgb '#E69F00' title 'x''; system(''touch PWNED''); ''', \
     $x1t1 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#E69F00' notitle, \
     $c1t2 using 1:2 with steps lw 2.2 lc rgb '#009E73' title 'a system("touch PWNED2")', \
     $x1t2 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#009E73' notitle
set lmargin at screen 0.7067
set rmargin at screen 0.9800
unset label
set title '"; system("touch PWNED3"); "'
unset ylabel
set format y ''
unset key
set label 100 '100' at first 0, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 101 '80' at first 42, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 102 '60' at first 90, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 103 '40' at first 180, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 104 '20' at first 365, screen 0.1800 center tc rgb '#0072B2' font ',9'
set label 105 '95' at first 0, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 106 '75' at first 42, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 107 '55' at first 90, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 108 '35' at first 180, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 109 '15' at first 365, screen 0.1350 center tc rgb '#E69F00' font ',9'
set label 110 '90' at first 0, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 111 '70' at first 42, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 112 '50' at first 90, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 113 '30' at first 180, screen 0.0900 center tc rgb '#009E73' font ',9'
set label 114 '10' at first 365, screen 0.0900 center tc rgb '#009E73' font ',9'
$c2t0 << EOD
0 1
96 0.9
186 0.81
371 0.729
406 0.6561
EOD
$x2t0 << EOD
220 0.81
EOD
$c2t1 << EOD
0 1
96 0.8
186 0.64
371 0.512
406 0.4096
EOD
$x2t1 << EOD
250 0.64
EOD
$c2t2 << EOD
0 1
96 0.7
186 0.49
371 0.343
406 0.2401
EOD
$x2t2 << EOD
280 0.49
EOD
plot $c2t0 using 1:2 with steps lw 2.2 lc rgb '#0072B2' title '`touch pwned`', \
     $x2t0 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#0072B2' notitle, \
     $c2t1 using 1:2 with steps lw 2.2 lc rgb '#E69F00' title 'x''; system(''touch PWNED''); ''', \
     $x2t1 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#E69F00' notitle, \
     $c2t2 using 1:2 with steps lw 2.2 lc rgb '#009E73' title 'a system("touch PWNED2")', \
     $x2t2 using 1:2 with points pt 1 ps 0.9 lw 1.5 lc rgb '#009E73' notitle
unset label
unset title
unset border
unset tics
unset grid
unset key
unset xlabel
unset ylabel
set lmargin at screen 0
set rmargin at screen 1
set tmargin at screen 0.05
set bmargin at screen 0
set label 1 '{/:Bold ^2_x} & <b> ~a \' at screen 0.5, screen 0.0350 center font ',9'
plot NaN notitle
unset multiplot
unset output
