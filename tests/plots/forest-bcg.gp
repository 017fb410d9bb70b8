# promstat forest chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,502 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'forest-bcg.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'BCG vaccine and tuberculosis: risk ratio (13 trials, 357,347 participants)'
set lmargin at screen 0.33
set rmargin at screen 0.72
set bmargin 7
set tmargin 3
unset key
set border 1
unset ytics
set xrange [-2.880495805:2.14540243]
set yrange [0.3:16.9]
set xtics ('0.1' -2.302585093, '0.2' -1.609437912, '0.5' -0.6931471806, '1' 0, '2' 0.6931471806, '5' 1.609437912)
set xlabel 'Risk ratio (log scale)' offset 0,-1.2
set label 'Study' at screen 0.010, first 16 left
set label 'RR [95% CI]' at screen 0.885, first 16 right
set label 'Weight' at screen 0.975, first 16 right
set arrow from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#333333' lw 1 back
set label '← Favours vaccine' at first 0, graph 0 offset -1,-2.2 right
set label 'Favours control →' at first 0, graph 0 offset 1,-2.2 left
set label 'Aronson 1948' at screen 0.020, first 15 left
set label '0.41 [0.13, 1.26]' at screen 0.885, first 15 right
set label '5.1%' at screen 0.975, first 15 right
set label 'Ferguson & Simes 1949' at screen 0.020, first 14 left
set label '0.20 [0.09, 0.49]' at screen 0.885, first 14 right
set label '6.4%' at screen 0.975, first 14 right
set label 'Rosenthal et al 1960' at screen 0.020, first 13 left
set label '0.26 [0.07, 0.92]' at screen 0.885, first 13 right
set label '4.4%' at screen 0.975, first 13 right
set label 'Hart & Sutherland 1977' at screen 0.020, first 12 left
set label '0.24 [0.18, 0.31]' at screen 0.885, first 12 right
set label '9.7%' at screen 0.975, first 12 right
set label 'Frimodt-Moller et al 1973' at screen 0.020, first 11 left
set label '0.80 [0.52, 1.25]' at screen 0.885, first 11 right
set label '8.9%' at screen 0.975, first 11 right
set label 'Stein & Aronson 1953' at screen 0.020, first 10 left
set label '0.46 [0.39, 0.54]' at screen 0.885, first 10 right
set label '10.1%' at screen 0.975, first 10 right
set label 'Vandiviere et al 1973' at screen 0.020, first 9 left
set label '0.20 [0.08, 0.50]' at screen 0.885, first 9 right
set label '6.0%' at screen 0.975, first 9 right
set label 'TPT Madras 1980' at screen 0.020, first 8 left
set label '1.01 [0.89, 1.14]' at screen 0.885, first 8 right
set label '10.2%' at screen 0.975, first 8 right
set label 'Coetzee & Berjak 1968' at screen 0.020, first 7 left
set label '0.63 [0.39, 1.00]' at screen 0.885, first 7 right
set label '8.7%' at screen 0.975, first 7 right
set label 'Rosenthal et al 1961' at screen 0.020, first 6 left
set label '0.25 [0.15, 0.43]' at screen 0.885, first 6 right
set label '8.4%' at screen 0.975, first 6 right
set label 'Comstock et al 1974' at screen 0.020, first 5 left
set label '0.71 [0.57, 0.89]' at screen 0.885, first 5 right
set label '9.9%' at screen 0.975, first 5 right
set label 'Comstock & Webster 1969' at screen 0.020, first 4 left
set label '1.56 [0.37, 6.53]' at screen 0.885, first 4 right
set label '3.8%' at screen 0.975, first 4 right
set label 'Comstock et al 1976' at screen 0.020, first 3 left
set label '0.98 [0.58, 1.66]' at screen 0.885, first 3 right
set label '8.4%' at screen 0.975, first 3 right
set label 'Random-effects model (REML)' at screen 0.010, first 2 left
set label '0.49 [0.34, 0.70]' at screen 0.885, first 2 right
set label '100%' at screen 0.975, first 2 right
set object polygon from -1.066897639,2 to -0.7145323422,2.38 to -0.3621670455,2 to -0.7145323422,1.62 to -1.066897639,2 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.313, I² = 92.2%, Q = 152.23 (df = 12), p < 0.001' at screen 0.020, first 1 left
$studies << EOD
-0.8893113339 15 1.950245939 -2.007667479 0.2290448112
-1.585388657 14 2.138744657 -2.449955234 -0.7208220807
-1.348073148 13 1.851592292 -2.611251257 -0.08489503956
-1.44155119 12 2.546373802 -1.718801462 -1.164300918
-0.2175473222 11 2.452445154 -0.661080599 0.2259859545
-0.7861155858 10 2.589861209 -0.9489886927 -0.623242479
-1.620898224 9 2.092016816 -2.546485374 -0.6953110733
0.01195233352 8 2.6 -0.1114099125 0.1353145795
-0.4694176487 7 2.437891655 -0.9350244524 -0.003810845123
-1.371344803 6 2.393646649 -1.900987832 -0.8417017751
-0.3393588283 5 2.571267799 -0.5577186434 -0.1209990133
0.4459134006 4 1.747323264 -0.9843310807 1.876157882
-0.01731394822 3 2.397840849 -0.5410486709 0.5064207745
EOD
$predictions << EOD
-1.866692218 2 0.4376275336
EOD
plot $studies using 4:2:($5-$4):(0) with vectors nohead lc rgb '#222222' lw 1.2, \
     $predictions using 1:2:($3-$1):(0) with vectors heads size screen 0.004,90 dt 2 lw 1.5 lc rgb '#555555', \
     $studies using 1:2:3 with points pt 5 ps variable lc rgb '#222222'
unset output
