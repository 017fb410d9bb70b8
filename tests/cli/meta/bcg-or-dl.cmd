meta datasets/studies/bcg.csv --measure OR --method DL --format json
