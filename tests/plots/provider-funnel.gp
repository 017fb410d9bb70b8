# promstat provider funnel chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1300,640 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'provider-funnel.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set multiplot layout 1,2 title 'PAIN_NRS at 3 months: providers' font ',13'
set label 9 '1 provider with fewer than 10 units' at screen 0.5, screen 0.93 center font ',10'
set tmargin 5
set bmargin 6
set title 'MCID rate: observed - expected' font ',12'
set xlabel 'Units (n)'
set ylabel 'Difference (percentage points)'
set xrange [12.5:324]
set yrange [-37.9140147:37.9140147]
set samples 400
set grid ytics lc rgb '#dddddd'
set key outside bottom center horizontal font ',10'
sd0 = 48.98979486
t0 = 0
$P0_0 << EOD
40 -5
60 2
150 -1
220 3
300 -4
0 NaN
EOD
$P0_1 << EOD
25 30
100 12
0 NaN
EOD
$P0_2 << EOD
0 NaN
EOD
set label 100 'dr01' at 25,30 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 101 'dr02' at 40,-5 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 102 'dr03' at 60,2 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 103 'dr04' at 100,12 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 104 'dr05' at 150,-1 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 105 'dr06' at 220,3 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 106 'dr07' at 300,-4 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
plot 0 with lines lc rgb '#555555' lw 1 notitle, \
  1.95996*sqrt(sd0**2/x + t0) with lines dt 2 lc rgb '#666666' lw 1.5 title '95% limits', \
  -1.95996*sqrt(sd0**2/x + t0) with lines dt 2 lc rgb '#666666' lw 1.5 notitle, \
  3.09023*sqrt(sd0**2/x + t0) with lines lc rgb '#222222' lw 1.5 title '99.8% limits', \
  -3.09023*sqrt(sd0**2/x + t0) with lines lc rgb '#222222' lw 1.5 notitle, \
  $P0_0 using 1:2 with points pt 7 ps 1.3 lc rgb '#0072B2' title 'within the limits', \
  $P0_1 using 1:2 with points pt 7 ps 1.3 lc rgb '#E69F00' title 'beyond 95%', \
  $P0_2 using 1:2 with points pt 7 ps 1.3 lc rgb '#D55E00' title 'beyond 99.8%'
unset label 100
unset label 101
unset label 102
unset label 103
unset label 104
unset label 105
unset label 106
unset label 9
set title 'Mean improvement: observed - expected' font ',12'
set xlabel 'Units (n)'
set ylabel 'Difference (points)'
set xrange [12.5:324]
set yrange [-1.555553083:1.555553083]
set samples 400
set grid ytics lc rgb '#dddddd'
set key outside bottom center horizontal font ',10'
sd1 = 1.8
t1 = 0.04
$P1_0 << EOD
25 0.2
60 0.1
100 0.35
150 -0.2
300 0.05
0 NaN
EOD
$P1_1 << EOD
40 -0.9
220 0.5
0 NaN
EOD
$P1_2 << EOD
0 NaN
EOD
set label 100 'dr01' at 25,0.2 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 101 'dr02' at 40,-0.9 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 102 'dr03' at 60,0.1 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 103 'dr04' at 100,0.35 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 104 'dr05' at 150,-0.2 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 105 'dr06' at 220,0.5 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
set label 106 'dr07' at 300,0.05 offset character 0.7,0.5 font ',9' tc rgb '#333333' front
plot 0 with lines lc rgb '#555555' lw 1 notitle, \
  1.95996*sqrt(sd1**2/x + t1) with lines dt 2 lc rgb '#666666' lw 1.5 title '95% limits', \
  -1.95996*sqrt(sd1**2/x + t1) with lines dt 2 lc rgb '#666666' lw 1.5 notitle, \
  3.09023*sqrt(sd1**2/x + t1) with lines lc rgb '#222222' lw 1.5 title '99.8% limits', \
  -3.09023*sqrt(sd1**2/x + t1) with lines lc rgb '#222222' lw 1.5 notitle, \
  $P1_0 using 1:2 with points pt 7 ps 1.3 lc rgb '#0072B2' title 'within the limits', \
  $P1_1 using 1:2 with points pt 7 ps 1.3 lc rgb '#E69F00' title 'beyond 95%', \
  $P1_2 using 1:2 with points pt 7 ps 1.3 lc rgb '#D55E00' title 'beyond 99.8%'
unset label 100
unset label 101
unset label 102
unset label 103
unset label 104
unset label 105
unset label 106
unset multiplot
unset output
