meta tests/data/studies-age.csv --measure MD --mods therapy,mean_age --format json
