# promstat roc chart: a gnuplot 5 script (run: gnuplot FILE).
# Text from the data is single-quoted: gnuplot runs nothing inside it.
reset
set terminal svg size 720,680 noenhanced font 'Helvetica,12' background rgb 'white'
set output 'mcid-roc.svg'
set encoding utf8
set border 3 lc rgb '#333333'
set tics nomirror out scale 0.6
set title 'PAIN_NRS at day 180' font ',13'
set xrange [0:1]
set yrange [0:1]
set size ratio -1
set xlabel '1 - specificity (not improved, called improved)'
set ylabel 'Sensitivity (improved, called improved)'
set grid lc rgb '#E0E0E0'
set key bottom right box opaque
$roc << EOD
1 1
0.5 0.97
0.2 0.86
0.05 0.4
0 0
EOD
plot x with lines dt 2 lc rgb '#999999' title 'no discrimination', \
     $roc using 1:2 with lines lw 2.5 lc rgb '#0072B2' title 'AUC 0.910 (95% CI 0.890 to 0.930, DeLong); 804 improved, 628 not', \
     '+' using (0.2):(0.86) every ::0::0 with points pt 7 ps 1.8 lc rgb '#D55E00' title 'Youden: improvement > 1.5 (se 0.86, sp 0.80)'
unset output
