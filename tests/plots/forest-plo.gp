# promstat forest chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,320 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'forest-plo.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'Responders at 12 weeks: proportion (k = 3 studies)'
set lmargin at screen 0.33
set rmargin at screen 0.72
set bmargin 7
set tmargin 3
unset key
set border 1
unset ytics
set xrange [0:0.5723960791]
set yrange [0.3:6.9]
set xtics
set format x '%g'
set xlabel 'Proportion (pooled on the logit scale, back-transformed)' offset 0,-1.2
set label 'Study' at screen 0.010, first 6 left
set label 'Proportion [95% CI]' at screen 0.885, first 6 right
set label 'Weight' at screen 0.975, first 6 right
set label 'Clinic A 2019' at screen 0.020, first 5 left
set label '0.20 [0.08, 0.43]' at screen 0.885, first 5 right
set label '18.6%' at screen 0.975, first 5 right
set label 'Clinic B 2021' at screen 0.020, first 4 left
set label '0.30 [0.16, 0.48]' at screen 0.885, first 4 right
set label '32.0%' at screen 0.975, first 4 right
set label 'Clinic C 2023' at screen 0.020, first 3 left
set label '0.40 [0.27, 0.54]' at screen 0.885, first 3 right
set label '49.5%' at screen 0.975, first 3 right
set label 'Random-effects model (DL)' at screen 0.010, first 2 left
set label '0.33 [0.22, 0.45]' at screen 0.885, first 2 right
set label '100%' at screen 0.975, first 2 right
set object polygon from 0.2244173389,2 to 0.3254721863,2.38 to 0.4458717817,2 to 0.3254721863,1.62 to 0.2244173389,2 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.054, I² = 25.3%, Q = 2.68 (df = 2), p = 0.262' at screen 0.020, first 1 left
$studies << EOD
0.2 5 1.747481387 0.07713345468 0.4278469015
0.3 4 2.168224042 0.1640817279 0.483398725
0.4 3 2.6 0.2746298321 0.539996301
EOD
$predictions << EOD
0.1955670147 2 0.4891923716
EOD
plot $studies using 4:2:($5-$4):(0) with vectors nohead lc rgb '#222222' lw 1.2, \
     $predictions using 1:2:($3-$1):(0) with vectors heads size screen 0.004,90 dt 2 lw 1.5 lc rgb '#555555', \
     $studies using 1:2:3 with points pt 5 ps variable lc rgb '#222222'
unset output
