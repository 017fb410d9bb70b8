meta tests/data/studies-age.csv --measure MD --by therapy --test knha --format json
