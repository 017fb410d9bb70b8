# promstat funnel chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 900,620 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'funnel-bcg.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'Funnel plot (k = 13 studies, 1 imputed by trim and fill)'
set xrange [-2.411350799:1.696818457]
set yrange [0.7881083795:0]
set xtics ('0.125' -2.079441542, '0.25' -1.386294361, '0.5' -0.6931471806, '1' 0, '2' 0.6931471806, '4' 1.386294361)
set xlabel 'Risk ratio (log scale)'
set ylabel 'Standard error'
set rmargin at screen 0.68
set key at screen 0.70, graph 1 top left Left reverse samplen 2 spacing 1.3
set object polygon from 0,0 to 1.696818457,0.6587464683 to 1.696818457,0 to 0,0 back fillcolor rgb '#E3E3E3' fillstyle solid 1.0 noborder
set object polygon from 0,0 to -2.030032658,0.7881083795 to -2.411350799,0.7881083795 to -2.411350799,0 to 0,0 back fillcolor rgb '#E3E3E3' fillstyle solid 1.0 noborder
set object polygon from 0,0 to 1.54466404,0.7881083795 to 2.030032658,0.7881083795 to 0,0 back fillcolor rgb '#C4C4C4' fillstyle solid 1.0 noborder
set object polygon from 0,0 to -1.54466404,0.7881083795 to -2.030032658,0.7881083795 to 0,0 back fillcolor rgb '#C4C4C4' fillstyle solid 1.0 noborder
set object polygon from 0,0 to 1.296322926,0.7881083795 to 1.54466404,0.7881083795 to 0,0 back fillcolor rgb '#A3A3A3' fillstyle solid 1.0 noborder
set object polygon from 0,0 to -1.296322926,0.7881083795 to -1.54466404,0.7881083795 to 0,0 back fillcolor rgb '#A3A3A3' fillstyle solid 1.0 noborder
set arrow from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#777777' back
$triangle << EOD
-2.259196382 0.7881083795
-0.7145323422 0
0.8301316976 0.7881083795

-0.7145323422 0
-0.7145323422 0.7881083795
EOD
$filled << EOD
-0.6570828008 0
-0.6570828008 0.7881083795
EOD
$observed << EOD
-0.8893113339 0.5706003549
-1.585388657 0.4411135017
-1.348073148 0.6444904696
-1.44155119 0.1414568199
-0.2175473222 0.2262966464
-0.7861155858 0.08310005088
-1.620898224 0.4722470197
0.01195233352 0.06294107798
-0.4694176487 0.2375588568
-1.371344803 0.2702310005
-0.3393588283 0.1114101161
0.4459134006 0.729729981
-0.01731394822 0.2672165034
EOD
$imputed << EOD
0.3067326221 0.4722470197
EOD
plot keyentry with boxes fc rgb '#A3A3A3' fs solid 1.0 border lc rgb '#777777' title '0.05 < p < 0.10', \
     keyentry with boxes fc rgb '#C4C4C4' fs solid 1.0 border lc rgb '#777777' title '0.01 < p < 0.05', \
     keyentry with boxes fc rgb '#E3E3E3' fs solid 1.0 border lc rgb '#777777' title 'p < 0.01', \
     $triangle using 1:2 with lines dt 2 lc rgb '#222222' lw 1.2 title 'Pooled estimate, pseudo 95% CI', \
     $filled using 1:2 with lines dt 3 lc rgb '#D55E00' lw 1.5 title 'Estimate after trim and fill', \
     $imputed using 1:2 with points pt 6 ps 1.3 lc rgb '#222222' title 'Imputed by trim and fill', \
     $observed using 1:2 with points pt 7 ps 1.3 lc rgb '#0072B2' title 'Study'
unset output
