meta datasets/studies/bcg.csv --measure RR --format csv
