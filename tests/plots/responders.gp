# promstat responders chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,620 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'responders.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'PAIN_NRS at 3 months: patients improving by at least the MCID' font ',13'
set ylabel 'Responders (%, improved by ≥ 2 points) with 95% CI'
set ytics 0,20,100
set format y '%g'
set grid ytics lc rgb '#E0E0E0'
set bmargin 7
set key at screen 0.5, screen 0.02 center bottom horizontal Left reverse samplen 2 width 2
set xrange [-0.6:2.6]
set yrange [0:105]
set boxwidth 0.2347 absolute
set style fill solid 0.9 border rgb '#333333'
set xtics scale 0 offset 0,-1.4 ('18-44' 0, '45-64' 1, '65+' 2)
set label 'n=52' at first -0.2666666667, graph 0 offset 0,-0.9 center
set label 'n=47' at first 0, graph 0 offset 0,-0.9 center
set label 'n=60' at first 0.2666666667, graph 0 offset 0,-0.9 center
set label 'n=44' at first 0.7333333333, graph 0 offset 0,-0.9 center
set label 'n=38' at first 1, graph 0 offset 0,-0.9 center
set label 'n=51' at first 1.266666667, graph 0 offset 0,-0.9 center
set label 'n=29' at first 1.733333333, graph 0 offset 0,-0.9 center
set label 'n=23' at first 2, graph 0 offset 0,-0.9 center
set label 'n=31' at first 2.266666667, graph 0 offset 0,-0.9 center
$s0 << EOD
-0.2666666667 57.69230769 44.19408498 70.13215209
0.7333333333 56.81818182 42.22389074 70.31749584
1.733333333 41.37931034 25.51293528 59.26247152
EOD
$s1 << EOD
0 46.80851064 33.33146217 60.76785807
1 39.47368421 25.59785926 55.282413
2 26.08695652 12.54844589 46.47039054
EOD
$s2 << EOD
0.2666666667 68.33333333 55.76599506 78.69429416
1.266666667 64.70588235 50.98580497 76.36569462
2.266666667 58.06451613 40.76596435 73.58469693
EOD
plot $s0 using 1:2 with boxes lc rgb '#0072B2' title 'Physiotherapy', \
     $s0 using 1:3:(0):($4-$3) with vectors heads size screen 0.006,90 lc rgb '#222222' lw 1.2 notitle, \
     $s1 using 1:2 with boxes lc rgb '#E69F00' title 'Injection', \
     $s1 using 1:3:(0):($4-$3) with vectors heads size screen 0.006,90 lc rgb '#222222' lw 1.2 notitle, \
     $s2 using 1:2 with boxes lc rgb '#009E73' title 'Surgery', \
     $s2 using 1:3:(0):($4-$3) with vectors heads size screen 0.006,90 lc rgb '#222222' lw 1.2 notitle
unset output
