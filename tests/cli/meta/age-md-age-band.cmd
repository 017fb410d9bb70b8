meta tests/data/studies-age.csv --measure MD --by age_band --format json
