meta datasets/studies/normand1999.csv --measure SMD --test knha --format json
