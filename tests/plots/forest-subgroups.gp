# promstat forest chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 1000,766 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'forest-subgroups.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'BCG vaccine by allocation method'
set lmargin at screen 0.33
set rmargin at screen 0.72
set bmargin 7
set tmargin 3
unset key
set border 1
unset ytics
set xrange [-2.880495805:2.14540243]
set yrange [0.3:28.9]
set xtics ('0.1' -2.302585093, '0.2' -1.609437912, '0.5' -0.6931471806, '1' 0, '2' 0.6931471806, '5' 1.609437912)
set xlabel 'Risk ratio (log scale)' offset 0,-1.2
set label 'Study' at screen 0.010, first 28 left
set label 'RR [95% CI]' at screen 0.885, first 28 right
set label 'Weight' at screen 0.975, first 28 right
set arrow from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#333333' lw 1 back
set object rectangle from first -0.2231435513, graph 0 to first 0.2231435513, graph 1 back fillcolor rgb '#DDDDDD' fillstyle solid 1.0 noborder
set label 'Shaded band: effects smaller than the minimal clinically important difference' at graph 0.5, graph 0 offset 0,-5.6 center
set label '← Favours vaccine' at first 0, graph 0 offset -1,-2.2 right
set label 'Favours control →' at first 0, graph 0 offset 1,-2.2 left
set label 'alternate' at screen 0.010, first 27 left
set label 'Frimodt-Moller et al 1973' at screen 0.020, first 26 left
set label '0.80 [0.52, 1.25]' at screen 0.885, first 26 right
set label '8.9%' at screen 0.975, first 26 right
set label 'Stein & Aronson 1953' at screen 0.020, first 25 left
set label '0.46 [0.39, 0.54]' at screen 0.885, first 25 right
set label '10.1%' at screen 0.975, first 25 right
set label 'RE model for alternate' at screen 0.010, first 24 left
set label '0.58 [0.34, 1.01]' at screen 0.885, first 24 right
set label '19.0%' at screen 0.975, first 24 right
set object polygon from -1.092721982,24 to -0.5407929618,24.38 to 0.01113605782,24 to -0.5407929618,23.62 to -1.092721982,24 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.133, I² = 82.0%, Q = 5.56 (df = 1), p = 0.018' at screen 0.020, first 23 left
set label 'random' at screen 0.010, first 21 left
set label 'Aronson 1948' at screen 0.020, first 20 left
set label '0.41 [0.13, 1.26]' at screen 0.885, first 20 right
set label '5.1%' at screen 0.975, first 20 right
set label 'Ferguson & Simes 1949' at screen 0.020, first 19 left
set label '0.20 [0.09, 0.49]' at screen 0.885, first 19 right
set label '6.4%' at screen 0.975, first 19 right
set label 'Rosenthal et al 1960' at screen 0.020, first 18 left
set label '0.26 [0.07, 0.92]' at screen 0.885, first 18 right
set label '4.4%' at screen 0.975, first 18 right
set label 'Hart & Sutherland 1977' at screen 0.020, first 17 left
set label '0.24 [0.18, 0.31]' at screen 0.885, first 17 right
set label '9.7%' at screen 0.975, first 17 right
set label 'Vandiviere et al 1973' at screen 0.020, first 16 left
set label '0.20 [0.08, 0.50]' at screen 0.885, first 16 right
set label '6.0%' at screen 0.975, first 16 right
set label 'TPT Madras 1980' at screen 0.020, first 15 left
set label '1.01 [0.89, 1.14]' at screen 0.885, first 15 right
set label '10.2%' at screen 0.975, first 15 right
set label 'Coetzee & Berjak 1968' at screen 0.020, first 14 left
set label '0.63 [0.39, 1.00]' at screen 0.885, first 14 right
set label '8.7%' at screen 0.975, first 14 right
set label 'RE model for random' at screen 0.010, first 13 left
set label '0.38 [0.22, 0.65]' at screen 0.885, first 13 right
set label '50.5%' at screen 0.975, first 13 right
set object polygon from -1.511828727,13 to -0.9709647043,13.38 to -0.4301006811,13 to -0.9709647043,12.62 to -1.511828727,13 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.393, I² = 89.9%, Q = 110.21 (df = 6), p < 0.001' at screen 0.020, first 12 left
set label 'systematic' at screen 0.010, first 10 left
set label 'Rosenthal et al 1961' at screen 0.020, first 9 left
set label '0.25 [0.15, 0.43]' at screen 0.885, first 9 right
set label '8.4%' at screen 0.975, first 9 right
set label 'Comstock et al 1974' at screen 0.020, first 8 left
set label '0.71 [0.57, 0.89]' at screen 0.885, first 8 right
set label '9.9%' at screen 0.975, first 8 right
set label 'Comstock & Webster 1969' at screen 0.020, first 7 left
set label '1.56 [0.37, 6.53]' at screen 0.885, first 7 right
set label '3.8%' at screen 0.975, first 7 right
set label 'Comstock et al 1976' at screen 0.020, first 6 left
set label '0.98 [0.58, 1.66]' at screen 0.885, first 6 right
set label '8.4%' at screen 0.975, first 6 right
set label 'RE model for systematic' at screen 0.010, first 5 left
set label '0.65 [0.32, 1.32]' at screen 0.885, first 5 right
set label '30.5%' at screen 0.975, first 5 right
set object polygon from -1.129295091,5 to -0.4242073915,5.38 to 0.2808803077,5 to -0.4242073915,4.62 to -1.129295091,5 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.400, I² = 86.4%, Q = 16.59 (df = 3), p < 0.001' at screen 0.020, first 4 left
set label 'RE model for all studies' at screen 0.010, first 3 left
set label '0.49 [0.34, 0.70]' at screen 0.885, first 3 right
set label '100%' at screen 0.975, first 3 right
set object polygon from -1.066897639,3 to -0.7145323422,3.38 to -0.3621670455,3 to -0.7145323422,2.62 to -1.066897639,3 front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb '#222222'
set label 'Heterogeneity: τ² = 0.313, I² = 92.2%, Q = 152.23 (df = 12), p < 0.001' at screen 0.020, first 2 left
set label 'Test for subgroup differences: QM = 1.77, df = 2, p = 0.413' at screen 0.010, first 1 left
$studies << EOD
-0.2175473222 26 2.452445154 -0.661080599 0.2259859545
-0.7861155858 25 2.589861209 -0.9489886927 -0.623242479
-0.8893113339 20 1.950245939 -2.007667479 0.2290448112
-1.585388657 19 2.138744657 -2.449955234 -0.7208220807
-1.348073148 18 1.851592292 -2.611251257 -0.08489503956
-1.44155119 17 2.546373802 -1.718801462 -1.164300918
-1.620898224 16 2.092016816 -2.546485374 -0.6953110733
0.01195233352 15 2.6 -0.1114099125 0.1353145795
-0.4694176487 14 2.437891655 -0.9350244524 -0.003810845123
-1.371344803 9 2.393646649 -1.900987832 -0.8417017751
-0.3393588283 8 2.571267799 -0.5577186434 -0.1209990133
0.4459134006 7 1.747323264 -0.9843310807 1.876157882
-0.01731394822 6 2.397840849 -0.5410486709 0.5064207745
EOD
$predictions << EOD
-1.442965275 24 0.361379351
-2.312759795 13 0.3708303867
-1.85076299 5 1.002348207
-1.866692218 3 0.4376275336
EOD
plot $studies using 4:2:($5-$4):(0) with vectors nohead lc rgb '#222222' lw 1.2, \
     $predictions using 1:2:($3-$1):(0) with vectors heads size screen 0.004,90 dt 2 lw 1.5 lc rgb '#555555', \
     $studies using 1:2:3 with points pt 5 ps variable lc rgb '#222222'
unset output
