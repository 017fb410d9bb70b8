# promstat followup chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1120,622 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'followup.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set multiplot title 'Follow-up completeness by instrument, timepoint and therapy' font ',13'
unset key
set ytics 0,20,100
set format y '%g'
set grid ytics lc rgb '#E0E0E0'
unset label
set lmargin at screen 0.0670
set rmargin at screen 0.4866
set tmargin at screen 0.8296
set bmargin at screen 0.2000
set title 'PAIN_NRS (Pain numeric rating scale)' font ',12'
set ylabel 'Followed up (% of units with a baseline)'
set xrange [-0.6:2.6]
set yrange [0:105]
set boxwidth 0.2347 absolute
set style fill solid 0.9 border rgb '#333333'
set xtics scale 0 offset 0,-1.4 ('6 weeks' 0, '3 months' 1, '12 months' 2)
set label 'n=160' at first -0.2666666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=120' at first 0, graph 0 offset 0,-0.9 center font ',9'
set label 'n=150' at first 0.2666666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=160' at first 0.7333333333, graph 0 offset 0,-0.9 center font ',9'
set label 'n=118' at first 1, graph 0 offset 0,-0.9 center font ',9'
set label 'n=149' at first 1.266666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=140' at first 1.733333333, graph 0 offset 0,-0.9 center font ',9'
set label 'n=100' at first 2, graph 0 offset 0,-0.9 center font ',9'
set label 'n=131' at first 2.266666667, graph 0 offset 0,-0.9 center font ',9'
$s0 << EOD
-0.2666666667 88.125 88.125 88.125
0.7333333333 76.25 76.25 76.25
1.733333333 64.28571429 64.28571429 64.28571429
EOD
$s1 << EOD
0 86.66666667 86.66666667 86.66666667
1 67.79661017 67.79661017 67.79661017
2 51 51 51
EOD
$s2 << EOD
0.2666666667 92.66666667 92.66666667 92.66666667
1.266666667 81.20805369 81.20805369 81.20805369
2.266666667 74.04580153 74.04580153 74.04580153
EOD
plot NaN notitle, \
     $s0 using 1:2 with boxes lc rgb '#0072B2' title 'Physiotherapy', \
     $s1 using 1:2 with boxes lc rgb '#E69F00' title 'Injection', \
     $s2 using 1:2 with boxes lc rgb '#009E73' title 'Surgery'
unset label
set lmargin at screen 0.5670
set rmargin at screen 0.9866
set tmargin at screen 0.8296
set bmargin at screen 0.2000
set title 'KOOS_PAIN (KOOS pain)' font ',12'
unset ylabel
set xrange [-0.6:2.6]
set yrange [0:105]
set boxwidth 0.2347 absolute
set style fill solid 0.9 border rgb '#333333'
set xtics scale 0 offset 0,-1.4 ('6 weeks' 0, '3 months' 1, '12 months' 2)
set label 'n=153' at first -0.2666666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=113' at first 0, graph 0 offset 0,-0.9 center font ',9'
set label 'n=0' at first 0.2666666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=153' at first 0.7333333333, graph 0 offset 0,-0.9 center font ',9'
set label 'n=111' at first 1, graph 0 offset 0,-0.9 center font ',9'
set label 'n=0' at first 1.266666667, graph 0 offset 0,-0.9 center font ',9'
set label 'n=133' at first 1.733333333, graph 0 offset 0,-0.9 center font ',9'
set label 'n=93' at first 2, graph 0 offset 0,-0.9 center font ',9'
set label 'n=0' at first 2.266666667, graph 0 offset 0,-0.9 center font ',9'
$s0 << EOD
-0.2666666667 88.88888889 88.88888889 88.88888889
0.7333333333 76.47058824 76.47058824 76.47058824
1.733333333 63.90977444 63.90977444 63.90977444
EOD
$s1 << EOD
0 87.61061947 87.61061947 87.61061947
1 67.56756757 67.56756757 67.56756757
2 49.46236559 49.46236559 49.46236559
EOD
$s2 << EOD
EOD
plot NaN notitle, \
     $s0 using 1:2 with boxes lc rgb '#0072B2' title 'Physiotherapy', \
     $s1 using 1:2 with boxes lc rgb '#E69F00' title 'Injection', \
     keyentry with boxes lc rgb '#009E73' title 'Surgery'
unset label
unset title
unset border
unset tics
unset grid
unset ylabel
set label 'Bar: units with a follow-up score in the timepoint''s window, as a share of units with a baseline (n under each bar)' at screen 0.5, screen 0.9196 center font ',10'
set label '3 bars left out: no unit with a baseline (n=0), so no rate to draw' at screen 0.5, screen 0.0225 center font ',10'
set lmargin at screen 0.0200
set rmargin at screen 0.9800
set tmargin at screen 0.1061
set bmargin at screen 0.0418
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse samplen 2 width 2
plot NaN notitle, \
     keyentry with boxes lc rgb '#0072B2' title 'Physiotherapy', \
     keyentry with boxes lc rgb '#E69F00' title 'Injection', \
     keyentry with boxes lc rgb '#009E73' title 'Surgery'
unset multiplot
unset output
