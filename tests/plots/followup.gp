# promstat followup chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,620 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'followup.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'Follow-up completeness by timepoint and therapy' font ',13'
set ylabel 'Patients with a score (% of those due)'
set ytics 0,20,100
set format y '%g'
set grid ytics lc rgb '#E0E0E0'
set bmargin 7
set key at screen 0.5, screen 0.02 center bottom horizontal Left reverse samplen 2 width 2
set xrange [-0.6:2.6]
set yrange [0:105]
set boxwidth 0.2347 absolute
set style fill solid 0.9 border rgb '#333333'
set xtics scale 0 offset 0,-1.4 ('6 weeks' 0, '3 months' 1, '12 months' 2)
set label 'n=160' at first -0.2666666667, graph 0 offset 0,-0.9 center
set label 'n=120' at first 0, graph 0 offset 0,-0.9 center
set label 'n=150' at first 0.2666666667, graph 0 offset 0,-0.9 center
set label 'n=160' at first 0.7333333333, graph 0 offset 0,-0.9 center
set label 'n=118' at first 1, graph 0 offset 0,-0.9 center
set label 'n=149' at first 1.266666667, graph 0 offset 0,-0.9 center
set label 'n=140' at first 1.733333333, graph 0 offset 0,-0.9 center
set label 'n=100' at first 2, graph 0 offset 0,-0.9 center
set label 'n=131' at first 2.266666667, graph 0 offset 0,-0.9 center
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
plot $s0 using 1:2 with boxes lc rgb '#0072B2' title 'Physiotherapy', \
     $s1 using 1:2 with boxes lc rgb '#E69F00' title 'Injection', \
     $s2 using 1:2 with boxes lc rgb '#009E73' title 'Surgery'
unset output
