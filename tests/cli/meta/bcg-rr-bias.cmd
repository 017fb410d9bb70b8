meta datasets/studies/bcg.csv --measure RR --bias --format json
